"""The voice channel's turn-taking, with scripted speech engines standing in for the models
(the real ones are exercised in tests/web/test_join_voice.py): thinking pauses are joined
into one answer, sentences are spoken as they stream, barge-in drops what was not said."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.voice.test_endpointing import hush, tone
from vivavoce.kit.recognition import Heard, Word
from vivavoce.voice.bias import Hints, Topic
from vivavoce.voice.endpointing import EndpointConfig
from vivavoce.voice.live import VoiceChannel, VoiceDeps, first_clause, split_sentences
from vivavoce.voice.recordings import LocalRecordingStore
from vivavoce.voice.stt import SpeechUnavailable
from vivavoce.voice.tts import Speech


class ScriptedEars:
    name = "scripted"

    def __init__(self, *heard: str | Heard) -> None:
        self.heard = list(heard)
        self.hints: list[Hints | None] = []

    async def transcribe(
        self, pcm: bytes, sample_rate: int = 16_000, hints: Hints | None = None
    ) -> Heard:
        self.hints.append(hints)
        words = self.heard.pop(0)
        if words == "!":
            raise SpeechUnavailable("down")
        return words if isinstance(words, Heard) else Heard(words)

    def warm_up(self) -> None:
        return None


class ScriptedVoice:
    name = "scripted"

    def __init__(self) -> None:
        self.said: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def synthesize(self, text: str) -> Speech:
        await self.gate.wait()
        self.said.append(text)
        return Speech(b"\x00\x01" * 800, 16_000)

    def warm_up(self) -> None:
        return None


class Harness:
    def __init__(
        self,
        tmp: Path,
        ears: ScriptedEars,
        voice: ScriptedVoice | None,
        topic: Topic | None = None,
        bias: bool = True,
    ) -> None:
        self.sent: list[dict[str, Any]] = []
        self.audio: list[tuple[dict[str, Any], bytes]] = []
        self.room: list[dict[str, Any]] = []
        self.heard: list[tuple[str, tuple[Word, ...]]] = []
        deps = VoiceDeps(
            stt=ears,
            tts=voice,
            store=LocalRecordingStore(tmp),
            sessionmaker=None,
            endpoint=EndpointConfig(silence_ms=1000, quick_silence_ms=600, thinking_ms=3000),
            thinking_ms=3000,
            max_retries=1,
            bias=bias,
        )
        self.channel = VoiceChannel(
            deps,
            self.send,
            self.send_audio,
            self.receive,
            lambda: (None, None),
            self.answer,
            lambda: topic or Topic(),
        )

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def send_audio(self, header: dict[str, Any], audio: bytes) -> None:
        self.audio.append((header, audio))

    async def receive(self, raw: str) -> bool:
        self.room.append(json.loads(raw))
        return True

    async def answer(self, text: str, words: tuple[Word, ...]) -> bool:
        self.room.append({"type": "answer", "text": text})
        self.heard.append((text, words))
        # the room stores it and sends the turn back, as the real room does
        await self.channel.observe({"type": "turn", "speaker": "participant", "text": text})
        return True

    async def speak(self, *parts: bytes) -> None:
        for part in parts:
            for start in range(0, len(part), 3200):
                await self.channel.audio(part[start : start + 3200])
                await asyncio.sleep(0)  # let transcription tasks run, as a socket would
        for _ in range(5):
            await asyncio.sleep(0)

    def answers(self) -> list[str]:
        return [m["text"] for m in self.room if m["type"] == "answer"]

    async def settled(self) -> None:
        """Until the channel's own tasks (speaking, transcribing, guessing) have all ended:
        what they did not do by then, they will not do."""
        channel = self.channel
        while running := [
            task
            for task in (channel._speaker, channel._listener, *channel._guessing)
            if task is not None and not task.done()
        ]:
            await asyncio.wait(running)


async def test_a_thinking_pause_after_trailing_words_joins_one_answer(tmp_path: Path) -> None:
    ears = ScriptedEars(
        "I designed the billing service and",  # the guess at the first pause
        "I designed the billing service and it sent a million invoices.",  # at the second
    )
    harness = Harness(tmp_path, ears, None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(1100))
    assert harness.answers() == []  # "… and": still thinking
    assert {
        "type": "heard",
        "text": "I designed the billing service and",
        "final": False,
    } in harness.sent
    await harness.speak(hush(1500), tone(900), hush(700))  # 2.6 s of thinking, then more
    assert harness.answers() == ["I designed the billing service and it sent a million invoices."]
    assert ears_left(harness) == []  # the finished guess was reused: no second transcription


async def test_a_spoken_answer_reaches_the_room_with_each_word_and_its_confidence(
    tmp_path: Path,
) -> None:
    said = Heard(
        "I worked at Wambrick.",
        (("I", 0.99), ("worked", 0.9), ("at", 0.98), ("Wambrick.", 0.31)),
    )
    harness = Harness(tmp_path, ScriptedEars(said), None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(700))
    assert harness.heard == [("I worked at Wambrick.", said.words)]
    # the socket's own frames never carry words: the room gets them from this channel only
    assert all("words" not in m for m in harness.room)


def test_words_heard_across_a_thinking_pause_are_joined_in_order() -> None:
    before = Heard("I led it and", (("I", 0.9), ("led", 0.8), ("it", 0.9), ("and", 0.7)))
    after = Heard("shipped it.", (("shipped", 0.4), ("it.", 0.9)))
    joined = Heard("").then(before).then(after)
    assert joined == Heard("I led it and shipped it.", before.words + after.words)


async def test_a_held_answer_is_sent_when_the_thinking_pause_runs_out(tmp_path: Path) -> None:
    harness = Harness(tmp_path, ScriptedEars("So, um"), None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(1100))
    assert harness.answers() == []
    await harness.speak(hush(2700))  # 3.8 s of silence: within 1 s + 3 s of thinking
    assert harness.answers() == []
    await harness.speak(hush(300))
    assert harness.answers() == ["So, um"]
    assert ears_left(harness) == []


async def test_a_finished_sentence_is_answered_after_a_short_pause(tmp_path: Path) -> None:
    harness = Harness(tmp_path, ScriptedEars("Yes, I'm ready."), None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(700))  # not the whole second of silence
    assert harness.answers() == ["Yes, I'm ready."]
    assert harness.room[0] == {"type": "typing"}  # the room's silence timer was held


async def test_words_that_may_go_on_wait_for_the_silence(tmp_path: Path) -> None:
    harness = Harness(tmp_path, ScriptedEars("It took three weeks"), None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(700))
    assert harness.answers() == []
    await harness.speak(hush(400))
    assert harness.answers() == ["It took three weeks"]  # the guess reused


async def test_speaking_on_discards_the_guess_and_the_answer_is_the_whole_turn(
    tmp_path: Path,
) -> None:
    ears = ScriptedEars(
        "It took three weeks",  # the guess at the first pause: stale once speech resumes
        "It took three weeks and two people",  # the guess at the second pause: the whole turn
        "unused",
    )
    harness = Harness(tmp_path, ears, None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(700), tone(600), hush(1100))
    assert harness.answers() == ["It took three weeks and two people"]  # one answer, not two
    assert ears_left(harness) == ["unused"]


async def test_without_speculation_the_turn_is_transcribed_when_it_ends(tmp_path: Path) -> None:
    harness = Harness(tmp_path, ScriptedEars("Yes, I'm ready."), None)
    harness.channel.detector.config = EndpointConfig(silence_ms=1000, quick_silence_ms=0)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(900))
    assert harness.answers() == []
    await harness.speak(hush(200))
    assert harness.answers() == ["Yes, I'm ready."]


async def test_speech_to_text_failure_turns_voice_off_with_a_notice(tmp_path: Path) -> None:
    harness = Harness(tmp_path, ScriptedEars("!", "!"), None)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(1100))
    await harness.settled()  # the retry backs off 0.2 s
    off = [m for m in harness.sent if m.get("type") == "voice" and m.get("state") == "off"]
    assert off and "type your answers" in off[0]["message"] and off[0]["reason"] == "stt_failed"
    await harness.speak(tone(900), hush(1100))  # no longer listened to
    await harness.settled()
    assert harness.answers() == [] and ears_left(harness) == []


def ears_left(harness: Harness) -> list[str | Heard]:
    ears = harness.channel.deps.stt
    assert isinstance(ears, ScriptedEars)
    return ears.heard


async def test_sentences_are_spoken_as_they_stream_and_barge_in_drops_the_rest(
    tmp_path: Path,
) -> None:
    voice = ScriptedVoice()
    harness = Harness(tmp_path, ScriptedEars(), voice)
    channel = harness.channel
    await channel.observe({"type": "status", "state": "live"})
    assert {"type": "voice", "state": "on", "tts": "server", "silence_ms": 1000} in harness.sent
    voice.gate.clear()  # the voice is busy with the first sentence
    for delta in ("Thanks. ", "Tell me ", "about a ", "system. What ", "was hard?"):
        await channel.observe({"type": "ai_delta", "text": delta})
    await asyncio.sleep(0)
    await channel.control({"type": "barge_in"})  # the candidate speaks over it
    await channel.observe(
        {
            "type": "turn",
            "index": 3,
            "speaker": "ai",
            "text": "Thanks. Tell me about a system. What was hard?",
        }
    )
    voice.gate.set()
    await harness.settled()
    # "Thanks." was being made when the candidate spoke: made but not sent; "Tell me about a
    # system." was queued: dropped; "What was hard?" came after the barge-in: spoken
    assert voice.said == ["Thanks.", "What was hard?"]
    assert [header["text"] for header, _ in harness.audio] == ["What was hard?"]
    assert harness.audio[0][1].startswith(b"RIFF")


async def test_a_typed_answer_drops_what_the_voice_had_still_to_say(tmp_path: Path) -> None:
    voice = ScriptedVoice()
    harness = Harness(tmp_path, ScriptedEars(), voice)
    channel = harness.channel
    await channel.observe({"type": "status", "state": "live"})
    voice.gate.clear()  # the voice is busy with the first sentence
    await channel.observe(
        {"type": "turn", "index": 1, "speaker": "ai", "text": "Hello. Tell me about a system."}
    )
    await asyncio.sleep(0)
    # the candidate read the question and typed an answer while it was being spoken
    await channel.observe(
        {"type": "turn", "index": 2, "speaker": "participant", "text": "I built a queue."}
    )
    await channel.observe({"type": "turn", "index": 3, "speaker": "ai", "text": "Why a queue?"})
    voice.gate.set()
    await harness.settled()
    assert voice.said == ["Hello.", "Why a queue?"]  # the first was already being made
    assert [header["text"] for header, _ in harness.audio] == ["Why a queue?"]


async def test_without_a_server_voice_the_browser_is_asked_to_speak(tmp_path: Path) -> None:
    harness = Harness(tmp_path, ScriptedEars(), None)
    await harness.channel.observe(
        {"type": "turn", "index": 0, "speaker": "ai", "text": "Old turn."}
    )
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.channel.observe(
        {"type": "turn", "index": 1, "speaker": "ai", "text": "Hello. Ready?"}
    )
    await harness.settled()
    spoken = [m["text"] for m in harness.sent if m["type"] == "speak"]
    assert spoken == ["Hello.", "Ready?"]  # turns replayed before "live" are not spoken again


async def test_a_long_first_clause_is_spoken_before_its_sentence_ends(tmp_path: Path) -> None:
    voice = ScriptedVoice()
    harness = Harness(tmp_path, ScriptedEars(), voice)
    channel = harness.channel
    await channel.observe({"type": "status", "state": "live"})
    for delta in ("Thanks for that, ", "it is useful. Next, ", "tell me more."):
        await channel.observe({"type": "ai_delta", "text": delta})
    await channel.observe(
        {
            "type": "turn",
            "index": 3,
            "speaker": "ai",
            "text": "Thanks for that, it is useful. Next, tell me more.",
        }
    )
    await harness.settled()
    assert voice.said == ["Thanks for that,", "it is useful.", "Next, tell me more."]
    assert first_clause("Yes, I see") == "Yes,"
    assert first_clause("No clause here") is None


async def test_a_first_clause_is_spoken_alone_even_when_its_sentence_came_whole(
    tmp_path: Path,
) -> None:
    voice = ScriptedVoice()
    harness = Harness(tmp_path, ScriptedEars(), voice)
    channel = harness.channel
    await channel.observe({"type": "status", "state": "live"})
    text = "Thanks for that answer, it helps. Ok. Next, tell me more."
    await channel.observe({"type": "ai_delta", "text": text})
    await channel.observe({"type": "turn", "index": 3, "speaker": "ai", "text": text})
    await harness.settled()
    assert voice.said == ["Thanks for that answer,", "it helps.", "Ok.", "Next, tell me more."]


def test_split_sentences() -> None:
    assert split_sentences("Hi there. How are") == (["Hi there."], "How are")
    assert split_sentences('He said "yes." Then? Ok') == (['He said "yes."', "Then?"], "Ok")
    assert split_sentences("No end yet") == ([], "No end yet")


BACKEND = Topic(role="Backend engineer", skills=("Django", "PostgreSQL"))


async def test_each_answer_is_heard_with_the_interviews_words(tmp_path: Path) -> None:
    first = Heard(
        "We ran Kubernetes and Wambrick.",
        (("We", 0.99), ("ran", 0.9), ("Kubernetes", 0.93), ("and", 0.9), ("Wambrick.", 0.2)),
    )
    ears = ScriptedEars(first, "We used Redis.")
    harness = Harness(tmp_path, ears, None, topic=BACKEND)
    channel = harness.channel
    await channel.observe({"type": "status", "state": "live"})
    await channel.observe({"type": "turn", "speaker": "ai", "text": "What did you run?"})
    await harness.speak(tone(900), hush(700))
    assert ears.hints == [
        Hints(
            hotwords="Django, PostgreSQL",
            prompt="Backend engineer interview. What did you run?",
        )
    ]
    await channel.observe({"type": "turn", "speaker": "ai", "text": "And for caching?"})
    await channel.observe({"type": "turn", "speaker": "participant", "text": "Typed: RabbitMQ"})
    await harness.speak(tone(900), hush(700))
    assert harness.answers() == ["We ran Kubernetes and Wambrick.", "We used Redis."]
    # the earlier spoken terms the recogniser was sure of, and the typed ones; not Wambrick
    assert ears.hints[1] == Hints(
        hotwords="Django, PostgreSQL, RabbitMQ, Kubernetes",
        prompt="Backend engineer interview. And for caching?",
    )


async def test_bias_can_be_turned_off(tmp_path: Path) -> None:
    ears = ScriptedEars("Yes.")
    harness = Harness(tmp_path, ears, None, topic=BACKEND, bias=False)
    await harness.channel.observe({"type": "status", "state": "live"})
    await harness.channel.observe({"type": "turn", "speaker": "ai", "text": "Ready?"})
    await harness.speak(tone(900), hush(700))
    assert harness.answers() == ["Yes."] and ears.hints == [None]


async def test_audio_is_recorded_in_conversation_order_after_it_is_sent(tmp_path: Path) -> None:
    import uuid

    from vivavoce.voice.recordings import recording_key

    voice = ScriptedVoice()
    harness = Harness(tmp_path, ScriptedEars("Yes, I'm ready."), voice)
    ids = (uuid.uuid4(), uuid.uuid4())
    channel = harness.channel
    channel._room_ids = lambda: ids
    await channel.observe({"type": "status", "state": "live"})
    await harness.speak(tone(900), hush(700))
    assert harness.answers() == ["Yes, I'm ready."]
    await channel.observe({"type": "turn", "speaker": "ai", "text": "Good."})
    assert channel._speaker is not None
    await channel._speaker  # the sentence is made and sent ...
    assert channel._recorder is not None
    await channel._recorder  # ... then recorded, after the candidate's turn
    assert [header["text"] for header, _ in harness.audio] == ["Good."]
    stored = await channel.deps.store.open(recording_key(ids[1], ids[0]))
    assert stored is not None
    audio = b"".join([chunk async for chunk in stored.chunks])
    said = b"\x00\x01" * 800  # the scripted voice's sentence, after the candidate's turn
    assert audio.endswith(said) and len(audio) > len(said) + 16_000


async def test_audio_past_its_budget_is_refused(tmp_path: Path) -> None:
    from vivavoce.voice.live import AUDIO_BURST_SECONDS, AUDIO_BYTES_PER_SECOND

    harness = Harness(tmp_path, ScriptedEars(), ScriptedVoice())
    frame = b"\x00" * 3200
    for _ in range(int(AUDIO_BYTES_PER_SECOND * AUDIO_BURST_SECONDS) // len(frame)):
        await harness.channel.audio(frame)  # the whole burst allowance, at once
    assert not [m for m in harness.sent if m["type"] == "error"]
    await harness.channel.audio(b"\x00" * 64_000)  # 2 s more: over a second of refill away
    assert [m["code"] for m in harness.sent if m["type"] == "error"] == ["audio_rejected"]
