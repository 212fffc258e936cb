"""The interviewer: a pure conversation engine, and the offline interviewer that words it.

- `plan`: `InterviewPlan` and `build_plan(profile, template, stage)` — the questions to ask.
- `engine`: `decide(plan, transcript, now_elapsed_seconds, judgements) -> Move` — the policy.
- `judge`: `AnswerJudgement`, `JudgeRequest` and the `Judge` protocol — classifying a turn.
- `voice`: `VoiceContext` and the `Voice` protocol — wording a move, streamed.
- `offline` / `offline_judge`: the built-in judge and voice that need no model.

Everything here is pure: no database, no HTTP, no clock. See docs/interviewer.md.
"""
