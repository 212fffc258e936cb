"""The reveal of a reply: whole words, one frame at a time, in order, the closing frame last;
a hurried reveal shows the rest at once; an unpaced one sends what there is."""

from __future__ import annotations

import asyncio
from typing import Any

from vivavoce.interviewer.reveal import Reveal

REPLY = "Thanks for that. How would you make a payment API idempotent under retries?"
DONE = {"type": "turn", "index": 1, "speaker": "ai", "text": REPLY}


class Socket:
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.first = asyncio.Event()

    async def send(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)
        self.first.set()

    def deltas(self) -> list[str]:
        return [f["text"] for f in self.frames if f["type"] == "ai_delta"]


async def test_a_paced_reply_goes_word_by_word_then_its_turn() -> None:
    socket = Socket()
    reveal = Reveal(socket.send, 50.0)  # fast for the test: five words a frame
    reveal.add(REPLY)
    reveal.finish(DONE)
    await reveal.settled()
    words = REPLY.split()
    assert len(socket.deltas()) == -(-len(words) // 5)
    assert "".join(socket.deltas()) == REPLY
    assert all(len(d.split()) <= 5 for d in socket.deltas())
    assert socket.frames[-1] == DONE


async def test_only_whole_words_are_shown_while_the_reply_is_worded() -> None:
    socket = Socket()
    reveal = Reveal(socket.send, 100.0)
    for chunk in ("Tha", "nks for th", "at. How wou"):
        reveal.add(chunk)
    await socket.first.wait()  # the first frame takes every whole word there is, and no more
    assert socket.deltas() == ["Thanks for that. How "]
    reveal.add("ld you do it?")
    reveal.finish(DONE)
    await reveal.settled()
    assert "".join(socket.deltas()) == "Thanks for that. How would you do it?"
    assert socket.frames[-1] == DONE


async def test_hurry_shows_the_rest_at_once() -> None:
    socket = Socket()
    reveal = Reveal(socket.send, 1.0)  # a word a second: far slower than the test
    reveal.add(REPLY)
    reveal.finish(DONE)
    await socket.first.wait()
    assert socket.deltas() == ["Thanks "]
    assert reveal.seconds_left() > 0
    reveal.hurry()
    await reveal.settled()
    assert socket.deltas() == ["Thanks ", REPLY[len("Thanks ") :]]
    assert socket.frames[-1] == DONE
    assert reveal.seconds_left() == 0.0


async def test_a_stopped_reveal_sends_nothing_more() -> None:
    socket = Socket()
    reveal = Reveal(socket.send, 1.0)
    reveal.add(REPLY)
    await socket.first.wait()
    await reveal.stop()
    reveal_frames = list(socket.frames)
    assert reveal.shown_any and reveal_frames == [{"type": "ai_delta", "text": "Thanks "}]


async def test_unpaced_the_words_go_as_they_come() -> None:
    socket = Socket()
    reveal = Reveal(socket.send, 0.0)
    reveal.add("Thanks for ")
    reveal.add("that.")
    reveal.finish(DONE)
    await reveal.settled()
    assert socket.deltas() == ["Thanks for that."]
    assert socket.frames[-1] == DONE
    assert reveal.seconds_left() == 0.0
