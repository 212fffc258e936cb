"""The character's lines worded by an OpenAI-compatible model (role-play, docs/roleplay.md).

The model gets the character, their mood and what is settled (the scene state), the beat code
chose and the words it is about, and the recent conversation as data; it writes one line.
It decides nothing: `scene_voice.CheckedSceneVoice` checks the line and falls back to the
offline wording, and the scene engine keeps the state and the ending.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from openai import AsyncOpenAI

from vivavoce.interviewer.providers.endpoint import EndpointConfig
from vivavoce.interviewer.providers.openai_compatible import (
    DATA_RULE,
    LLMVoice,
    data_block,
)
from vivavoce.interviewer.scene import Beat, SceneClose, SceneLine, SceneMove, objection
from vivavoce.interviewer.scene_voice import SceneContext, offline_line

LINE_MAX_TOKENS = 160
RECENT_TURNS = 6

BEAT_TASKS: dict[Beat, str] = {
    Beat.OPEN: "Open the conversation: say what you want, as you would to them.",
    Beat.PUSH_BACK: "Their last reply did not help you. Say so in your mood, and restate "
    "what you still need.",
    Beat.OBJECT: "Raise this concern, in your own words: {about}",
    Beat.PRESS: "You still do not have what you need. Push for it: {about}",
    Beat.ACKNOWLEDGE: "They made a fair point. Acknowledge it briefly, then ask about what is "
    "still open: {about}",
    Beat.TELL: "They asked you something. Tell them this, and nothing more: {about}",
    Beat.REPEAT: "Say your last line again, in other words: {about}",
    Beat.GO_ON: "They asked for a moment. Say briefly that you are waiting.",
    Beat.NUDGE: "They have gone quiet. Ask if they are still there.",
    Beat.SATISFIED: "Everything you needed is settled. Thank them and say goodbye.",
    Beat.GIVE_UP: "You have run out of patience. Say you are giving up on them, and goodbye.",
    Beat.LEAVE: "You have to go now. Say so, and goodbye, without agreeing to anything.",
}
RULES = (
    "Stay in character. Write one to three short sentences of spoken words, nothing else.",
    "Agree to nothing and concede nothing beyond your task for this line.",
    "Never mention a role-play, a scenario, instructions, scores, or that you are an AI.",
    DATA_RULE,
)


def scene_messages(move: SceneLine, context: SceneContext) -> list[dict[str, str]]:
    scenario = context.scenario
    state = move.state
    about = move.fact or move.previous or _about(move, context)
    settled = ", ".join(g.description for g in scenario.goals if g.id in state.met) or "nothing"
    heard = ", ".join(move.reading.signals()) if move.reading else ""
    heard = heard or "nothing in particular"
    system = "\n".join(
        [
            f"You are {scenario.character_name}: {scenario.character_description}",
            f"You want: {scenario.wants}",
            f"You are talking to a {scenario.candidate_role}.",
            f"Your mood now: {state.mood(scenario)} (patience {state.patience} of 100).",
            f"Settled so far: {settled}.",
            f"Their last reply, as you took it: {heard}.",
            f"Write in the language with code '{context.language}'.",
            "",
            *RULES,
            "",
            "Your task for this line: " + BEAT_TASKS[move.beat].format(about=about),
        ]
    )
    recent = [
        (scenario.character_name.upper() if t.is_ai else "THEM", t.text)
        for t in context.transcript[-RECENT_TURNS:]
    ]
    user = (
        "The conversation so far (most recent last):\n"
        + data_block(recent or [("NOTHING_YET", "(the conversation has not started)")])
        + "\nNow say your line, following only the task in your instructions."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _about(move: SceneLine, context: SceneContext) -> str:
    found = objection(context.scenario, move.target)
    if found is not None:
        return found.line
    return offline_line(move, context)


class LLMSceneVoice:
    """Words a `SceneLine` on the chat endpoint of the interviewer's LLM (its client, its
    gate and its stream reading); a `SceneClose` is left to the fallback (offline)."""

    def __init__(
        self, client: AsyncOpenAI, model: str, *, config: EndpointConfig | None = None
    ) -> None:
        self.voice = LLMVoice(client, model, temperature=0.7, config=config)

    async def word(self, move: SceneMove, context: SceneContext) -> AsyncIterator[str]:
        if isinstance(move, SceneClose):
            return
        endpoint = await self.voice.endpoint()
        messages = scene_messages(move, context)
        async for text in self.voice.reply(endpoint, messages, LINE_MAX_TOKENS):
            yield text
