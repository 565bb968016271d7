"""The ONNX encoder: sentence-transformers' vectors without torch, built offline, with a fallback."""

from __future__ import annotations

import json
import logging
import os
import shutil

import numpy as np
import pytest

from memorybrain import embeddings
from memorybrain.embeddings import HashingEncoder, SentenceTransformerEncoder, default_model_path, get_encoder
from memorybrain.errors import ModelError
from memorybrain.onnx_encoder import (
    OnnxEncoder,
    ensure_onnx,
    model_key,
    onnx_unavailable_reason,
)

pytest.importorskip("onnxruntime")

TEXTS = [
    "Add CRUD endpoints for notifications",
    "route list_messages in app/api/routes/messages.py: GET /api/v1/messages/ → list_messages\n"
    "channel = get_channel_for_user(db, channel_id, user)\nreturn paginate(query, page=page, size=size)",
    "function get_current_user in app/api/deps.py: def get_current_user(db: SessionDep, token: TokenDep) -> User",
    "model Message (messages) — id:Integer, channel_id:Integer, body:Text, is_deleted:Boolean",
    "x",
    "",
    "Ünïcödé — 日本語のテキスト and emoji 🚀 in a docstring",
    "def f():\n    return 1\n" * 120,  # far over 256 tokens: truncated like sentence-transformers
]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder: every test that needs the graph builds it (offline, ~1 s)."""
    monkeypatch.setenv("MEMORYBRAIN_CACHE_DIR", str(tmp_path / "cache"))
    embeddings._cached_encoder.cache_clear()
    yield tmp_path / "cache"
    embeddings._cached_encoder.cache_clear()


@pytest.mark.integration
def test_vectors_match_sentence_transformers(cache):
    model_dir = default_model_path()
    onnx = OnnxEncoder("all-MiniLM-L6-v2", model_dir)
    ours = onnx.encode(TEXTS)
    reference = SentenceTransformerEncoder().encode(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 1 - 1e-3, cosines
    assert np.abs(ours - reference).max() < 1e-4
    # batching and order do not change a vector
    single = np.stack([onnx.encode([t])[0] for t in TEXTS[:4]])
    np.testing.assert_allclose(single, ours[:4], atol=1e-5)
    assert (cache / "onnx" / model_key(model_dir) / "model.onnx").is_file()


def test_default_encoder_is_onnx_with_the_models_name(cache):
    encoder = get_encoder()
    assert isinstance(encoder, OnnxEncoder)
    # same vectors, same name: a store indexed by either backend is usable by the other
    assert encoder.name == SentenceTransformerEncoder().name == "all-MiniLM-L6-v2"
    assert encoder.dim == 384


def test_graph_is_built_once_and_rebuilt_when_damaged(cache):
    model_dir = default_model_path()
    path = ensure_onnx(model_dir)
    data = path.with_name("model.onnx.data")
    stamp = data.stat().st_mtime_ns
    assert ensure_onnx(model_dir) == path
    assert data.stat().st_mtime_ns == stamp
    data.write_bytes(b"damaged")
    encoder = OnnxEncoder("all-MiniLM-L6-v2", model_dir)
    vector = encoder.encode(["Add CRUD endpoints for notifications"])
    assert vector.shape == (1, 384)
    assert data.stat().st_size > 80_000_000
    # only complete folders are used: a missing side file means build again
    data.unlink()
    assert ensure_onnx(model_dir) == path and data.is_file()


def test_falls_back_to_sentence_transformers_without_onnxruntime(cache, monkeypatch, caplog):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a)
    )
    assert onnx_unavailable_reason(default_model_path()) == "onnxruntime is not installed"
    with caplog.at_level(logging.WARNING, logger="memorybrain"):
        encoder = get_encoder()
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert "onnxruntime is not installed" in caplog.text
    assert "sentence-transformers" in caplog.text
    monkeypatch.setenv("MEMORYBRAIN_ENCODER", "onnx")
    with pytest.raises(ModelError, match="onnxruntime is not installed"):
        get_encoder()


def test_build_failure_uses_the_fallback_with_a_message(cache, monkeypatch, caplog):
    import memorybrain.onnx_encoder as mod

    def broken(model_dir, target):
        raise ImportError("No module named 'onnx'")

    monkeypatch.setattr(mod, "build_onnx", broken)
    encoder = OnnxEncoder("all-MiniLM-L6-v2", default_model_path(), fallback=lambda: HashingEncoder(384))
    with caplog.at_level(logging.WARNING, logger="memorybrain"):
        vectors = encoder.encode(["hello"])
    assert vectors.shape == (1, 384)
    assert encoder.backend == "sentence-transformers"
    assert "cannot build the ONNX model" in caplog.text
    strict = OnnxEncoder("all-MiniLM-L6-v2", default_model_path())
    with pytest.raises(ModelError, match="cannot build the ONNX model"):
        strict.encode(["hello"])


def test_backend_choice(cache, monkeypatch):
    monkeypatch.setenv("MEMORYBRAIN_ENCODER", "torch")
    assert isinstance(get_encoder(), SentenceTransformerEncoder)
    monkeypatch.setenv("MEMORYBRAIN_ENCODER", "gpu")
    with pytest.raises(ModelError, match="MEMORYBRAIN_ENCODER"):
        get_encoder()
    monkeypatch.setenv("MEMORYBRAIN_ENCODER", "auto")
    assert isinstance(get_encoder("hashing"), HashingEncoder)


def test_unsupported_model_folders_are_left_to_sentence_transformers(tmp_path, cache):
    src = default_model_path()
    folder = tmp_path / "cls-pooling"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    os.symlink(src / "model.safetensors", folder / "model.safetensors")
    assert onnx_unavailable_reason(folder) is None
    assert isinstance(get_encoder(str(folder)), OnnxEncoder)
    pooling = folder / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    assert "not mean pooling" in (onnx_unavailable_reason(folder) or "")
    embeddings._cached_encoder.cache_clear()
    assert isinstance(get_encoder(str(folder)), SentenceTransformerEncoder)
    (folder / "config.json").write_text(json.dumps({"model_type": "roberta", "hidden_size": 384}))
    assert "roberta" in (onnx_unavailable_reason(folder) or "")


def test_int8_variant_is_a_model_of_its_own(cache):
    fast = get_encoder("all-MiniLM-L6-v2-int8")
    exact = get_encoder()
    assert isinstance(fast, OnnxEncoder) and fast.quantized
    # a different name: a store records it, and re-embeds everything when switching
    assert fast.name == "all-MiniLM-L6-v2-int8" != exact.name
    assert fast.dim == exact.dim == 384
    a, b = fast.encode(TEXTS[:5]), exact.encode(TEXTS[:5])
    cosines = (a * b).sum(axis=1)
    assert cosines.min() > 0.97, cosines
    assert (cache / "onnx").is_dir() and list((cache / "onnx").glob("*/model.int8.onnx"))


def test_int8_variant_needs_onnxruntime(cache, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a)
    )
    with pytest.raises(ModelError, match="only through onnxruntime"):
        get_encoder("all-MiniLM-L6-v2-int8")
