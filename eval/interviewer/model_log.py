"""How often the model's words were used, from the log of a model run's `vivavoce serve`.

Every reply a model words is checked before the candidate sees it (`CheckedVoice`): a refused
reply is asked for once more, then the offline wording of the same move is used; the model
judge falls back to the offline judge when it is late or unusable. Each of those is a log
line of the server (`checked_voice`, `openai_compatible`), which this module counts, so the
model run's table can say how much of what the candidates heard the model really wrote.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

_REFUSED = re.compile(r"model reply for (\w+) refused \(attempt (\d+)\)")
_JUDGE_FELL_BACK = re.compile(
    r"LLM judge (?:gave no verdict within|unavailable|gave no usable judgement)"
)


@dataclass(frozen=True)
class ModelUse:
    ai_turns: int  # AI turns the candidates were shown
    refused_first: int  # model replies refused at the first attempt
    fell_back: int  # … and again at the second: the offline wording was used
    judge_fell_back: int  # answers the offline judge decided (the model was late or unusable)
    answers: int  # candidate turns judged

    @property
    def model_worded(self) -> int:
        return self.ai_turns - self.fell_back

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "model_worded": self.model_worded}

    def line(self) -> str:
        def pct(part: int, whole: int) -> str:
            return f"{part / whole:.0%}" if whole else "n/a"

        return (
            f"model replies: {self.ai_turns} AI turns; first reply refused {self.refused_first} "
            f"({pct(self.refused_first, self.ai_turns)}); offline wording used after two "
            f"refusals {self.fell_back} ({pct(self.fell_back, self.ai_turns)}); worded by the "
            f"model {self.model_worded} ({pct(self.model_worded, self.ai_turns)}). Judge: "
            f"offline verdict on {self.judge_fell_back} of {self.answers} answers "
            f"({pct(self.judge_fell_back, self.answers)})"
        )


def model_use(log_text: str, ai_turns: int, answers: int) -> ModelUse:
    attempts = [int(m.group(2)) for m in _REFUSED.finditer(log_text)]
    return ModelUse(
        ai_turns=ai_turns,
        refused_first=attempts.count(1),
        fell_back=sum(1 for a in attempts if a >= 2),
        judge_fell_back=len(_JUDGE_FELL_BACK.findall(log_text)),
        answers=answers,
    )
