"""Token budgets: how long a reply may be, and how much prompt fits the context window.

There is no tokenizer for an arbitrary server's model, so prompts are measured with an
estimate that errs long: about 3.5 characters per token for ASCII text (English runs near 4)
and one token per other character (CJK scripts run near 1, accented Latin well under). A
safety margin of the window is left unused on top.
"""

from __future__ import annotations

from collections.abc import Sequence

from vivavoce.interviewer.providers.failures import FailureKind, ProviderRefused

MESSAGE_OVERHEAD = 8  # role markers and separators the chat template adds per message
SAFETY_FRACTION = 0.1


def estimate_tokens(text: str) -> int:
    ascii_count = sum(1 for character in text if character.isascii())
    return int(ascii_count / 3.5) + (len(text) - ascii_count) + 1


def messages_tokens(messages: Sequence[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) + MESSAGE_OVERHEAD for m in messages)


def prompt_budget(context_tokens: int, reply_tokens: int) -> int:
    """Tokens a prompt may take so that the reply still fits the window."""
    return int(context_tokens * (1 - SAFETY_FRACTION)) - reply_tokens


def fit_oldest_first(
    items: Sequence[tuple[str, str]], keep_last: int, budget_tokens: int
) -> list[tuple[str, str]]:
    """`items` with the oldest dropped until they fit `budget_tokens`; the last `keep_last`
    always stay (the caller checks that the whole prompt then fits)."""
    kept = list(items)
    cost = [estimate_tokens(text) + estimate_tokens(label) + 2 for label, text in kept]
    total = sum(cost)
    while total > budget_tokens and len(kept) > keep_last:
        total -= cost.pop(0)
        kept.pop(0)
    return kept


def ensure_fits(messages: Sequence[dict[str, str]], context_tokens: int, reply_tokens: int) -> None:
    """Raise `ProviderRefused` (context overflow) before sending a prompt that cannot fit."""
    needed = messages_tokens(messages)
    budget = prompt_budget(context_tokens, reply_tokens)
    if needed > budget:
        raise ProviderRefused(
            f"the prompt needs about {needed} tokens and the reply {reply_tokens}, more than "
            f"the model's context window of {context_tokens} tokens allows "
            "(VIVAVOCE_LLM_CONTEXT_TOKENS)",
            kind=FailureKind.CONTEXT_OVERFLOW,
        )
