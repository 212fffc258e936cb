"""`make eval-interviewer`: scripted candidates interviewed by a real `vivavoce serve`.

For each role of `eval/interviewer/role_scripts/` (its profile, template and question bank created
through the API) one candidate of each kind (`candidates.KINDS`) takes the interview over
the join WebSocket; the checks of `checks.py` read the stored transcripts and the table
gives, per role, per split and overall: repeats, cut quotes, grounded transitions, probe
misfits, follow-ups per question against probingDepth, "I don't know" answered with a hint,
closing lines, and the time to the first and the last word of each AI reply.

The headline is the `holdout` split, never tuned on; `--split tune --details` lists every
offending turn (details are refused on the holdout). The offline interviewer always runs;
when `VIVAVOCE_LLM_BASE_URL` is set the same candidates are interviewed again by a server
that inherits the `VIVAVOCE_LLM_*` settings (the model words the turns). Exit status 1 when
a floor is missed.

    .venv/bin/python -m eval.interviewer.run [--split all|tune|holdout] [--roles a,b]
        [--kinds strong,weak] [--json] [--details] [--concurrency 4] [--think-seconds 0.3]
        [--reveal-pace 0] [--llm-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from eval.interviewer.candidates import KINDS
from eval.interviewer.checks import Conversation
from eval.interviewer.client import READ_TIMEOUT, THINK_SECONDS, Booked, book, run_interview
from eval.interviewer.metrics import Figures, failures, figures, table
from eval.interviewer.model_log import ModelUse, model_use
from eval.interviewer.roles import Role, select
from eval.interviewer.server import Served, serve, server_env, throwaway_database


async def evaluate(
    served: Served,
    roles: Sequence[Role],
    kinds: Sequence[str],
    concurrency: int = 4,
    think_seconds: float = THINK_SECONDS,
    read_timeout: float = READ_TIMEOUT,
) -> list[Conversation]:
    """Every (role, kind) interview on `served`, `concurrency` at a time, in a stable order;
    each candidate answers `think_seconds` after a reply has come."""
    booked = [b for role in roles for b in await book(served, role, tuple(kinds))]
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Booked) -> Conversation:
        async with gate:
            return await run_interview(served, item, think_seconds, read_timeout)

    return list(await asyncio.gather(*(one(b) for b in booked)))


def grouped(conversations: Sequence[Conversation], roles: Sequence[Role]) -> list[Figures]:
    """Figures per role, per split present, and overall."""
    split_of = {role.name: role.split for role in roles}
    rows = [figures(role.name, [c for c in conversations if c.role == role.name]) for role in roles]
    for split in ("tune", "holdout"):
        chosen = [c for c in conversations if split_of[c.role] == split]
        if chosen and len(chosen) < len(conversations):
            rows.append(figures(f"{split} (all roles)", chosen))
    rows.append(figures("overall", conversations))
    return rows


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=("all", "tune", "holdout"), default="all")
    parser.add_argument("--roles", help="comma-separated role names (default: all)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="candidate kinds")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--reveal-pace",
        type=float,
        default=0.0,
        help="the room's reading pace in words/s (default 0: unpaced; 5 is the product's)",
    )
    parser.add_argument(
        "--think-seconds",
        type=float,
        default=THINK_SECONDS,
        help="how long a candidate waits after a reply before answering (default 0.3: four "
        "interviews at a time then load the server like hundreds of real ones; 5 or more is "
        "closer to four real candidates)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=READ_TIMEOUT,
        help="seconds to wait for the interviewer's next frame (raise it for a slow model)",
    )
    parser.add_argument(
        "--llm-only",
        action="store_true",
        help="with VIVAVOCE_LLM_BASE_URL set, interview with the model only (no offline run)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--details", action="store_true", help="offending turns (tune only)")
    parser.add_argument(
        "--transcripts", action="store_true", help="every turn of every interview (tune only)"
    )
    return parser.parse_args()


def _report(
    label: str, rows: list[Figures], conversations: list[Conversation], args: argparse.Namespace
) -> dict[str, object]:
    if not args.json:
        print(f"\n## {label}\n")
        print(table(rows))
        if args.details:
            for conversation in conversations:
                for line in failures(conversation):
                    print(f"- {conversation.role}/{conversation.candidate}: {line}")
        if args.transcripts:
            for conversation in conversations:
                print(f"\n### {conversation.role}/{conversation.candidate}\n")
                for n, turn in enumerate(conversation.turns):
                    said = turn.move if turn.speaker == "ai" else turn.label
                    print(
                        f"{n:>3} {turn.speaker:<11} {said or '':<9} q={turn.question} {turn.text}"
                    )
    return {"interviewer": label, "groups": [row.as_dict() for row in rows]}


def _model_use(served: Served, conversations: Sequence[Conversation]) -> ModelUse:
    """How much of a model run the model really worded and judged (from the server's log)."""
    turns = [t for c in conversations for t in c.turns]
    log_text = served.log.read_text(errors="replace") if served.log else ""
    return model_use(
        log_text,
        ai_turns=sum(1 for t in turns if t.speaker == "ai"),
        answers=sum(1 for t in turns if t.speaker == "participant"),
    )


def main() -> int:
    args = _parse()
    if (args.details or args.transcripts) and args.split != "tune":
        print("--details and --transcripts read the tune split only (--split tune)")
        return 2
    roles = select(args.roles, args.split)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if not roles or unknown:
        print(f"nothing to run: roles {[r.name for r in roles]}, unknown kinds {unknown}")
        return 2
    with_model = bool(os.environ.get("VIVAVOCE_LLM_BASE_URL"))
    if args.llm_only and not with_model:
        print("--llm-only needs VIVAVOCE_LLM_BASE_URL")
        return 2
    runs = [] if args.llm_only else [("offline interviewer", False)]
    if with_model:
        runs.append(
            (f"LLM interviewer ({os.environ.get('VIVAVOCE_LLM_MODEL', 'default model')})", True)
        )
    reports, met = [], True
    with throwaway_database(os.environ.get("VIVAVOCE_DATABASE_URL")) as (url, database_env):
        for label, with_llm in runs:
            with serve(
                server_env(
                    database_env, with_llm=with_llm, reveal_words_per_second=args.reveal_pace
                ),
                url,
            ) as served:
                conversations = asyncio.run(
                    evaluate(
                        served,
                        roles,
                        kinds,
                        args.concurrency,
                        args.think_seconds,
                        args.read_timeout,
                    )
                )
                use = _model_use(served, conversations) if with_llm else None
            rows = grouped(conversations, roles)
            report = _report(label, rows, conversations, args)
            if use is not None:
                report["model_use"] = use.as_dict()
                if not args.json:
                    print(f"\n{use.line()}")
            reports.append(report)
            met = met and not rows[-1].misses()
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        print("\nfloors met" if met else "\nfloors MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
