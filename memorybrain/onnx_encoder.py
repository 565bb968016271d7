"""The sentence-transformers model run through onnxruntime: same vectors, no torch.

``brain context`` embeds one sentence; importing torch and sentence-transformers for that
costs seconds. This module builds an ONNX graph of the same BERT model straight from its
``model.safetensors`` (no torch, no exporter: the graph is written with ``onnx.helper`` and
checked against sentence-transformers by ``tests/test_onnx_encoder.py``), caches it in a
user cache folder keyed by the model's files and the builder's version, and runs it with
onnxruntime and the model's own ``tokenizer.json`` (through ``tokenizers``). Pooling and
normalisation are those of sentence-transformers: the mean of the token vectors under the
attention mask, then L2 normalisation.

Supported: BERT-family folders (``config.json`` with ``model_type`` bert, ``model.safetensors``,
``tokenizer.json``) whose sentence-transformers pipeline is Transformer → mean Pooling →
(Normalize). Anything else — or a machine without onnxruntime/onnx — is reported by
``onnx_unavailable_reason`` and the caller falls back to sentence-transformers.

The cache folder is ``$MEMORYBRAIN_CACHE_DIR`` or ``$XDG_CACHE_HOME/memorybrain`` (default
``~/.cache/memorybrain``); files are written atomically, so concurrent processes are safe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from memorybrain.errors import ModelError
from memorybrain.paths import cache_dir

log = logging.getLogger(__name__)

#: Bump when the graph written by ``build_onnx`` changes: the cache key includes it.
BUILDER_VERSION = "3"

#: Tokens per text, as sentence-transformers' ``max_seq_length`` for the model (256 for
#: all-MiniLM-L6-v2); read from ``sentence_bert_config.json`` when present.
DEFAULT_MAX_SEQ = 256

_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}


# ---------------------------------------------------------------------- model folder


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _safetensors_header(path: Path) -> tuple[dict[str, Any], int]:
    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    return header, 8 + n


def onnx_unavailable_reason(model_dir: Path) -> str | None:
    """Why this model folder cannot run through onnxruntime here (None: it can)."""
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None:
        return "onnxruntime is not installed"
    if importlib.util.find_spec("tokenizers") is None:
        return "tokenizers is not installed"
    config = _read_json(model_dir / "config.json") or {}
    if config.get("model_type") != "bert":
        return f"model type {config.get('model_type')!r} is not supported by the ONNX builder"
    if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        return "only BERT with exact GELU and absolute positions is supported by the ONNX builder"
    if not (model_dir / "tokenizer.json").is_file():
        return "the model folder has no tokenizer.json"
    if not (model_dir / "model.safetensors").is_file():
        return "the model folder has no model.safetensors"
    modules = _read_json(model_dir / "modules.json")
    if isinstance(modules, list):
        kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
            return f"sentence-transformers pipeline {kinds} is not Transformer → Pooling → Normalize"
        pooling = _read_json(model_dir / str(modules[1].get("path") or "1_Pooling") / "config.json") or {}
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
        if modes != ["pooling_mode_mean_tokens"]:
            return f"pooling {modes} is not mean pooling"
    return None


def model_key(model_dir: Path) -> str:
    """Cache key: the builder's version and what identifies the model's files (cheap: the
    safetensors header, sizes and modification times, not the 90 MB of weights)."""
    h = hashlib.sha256(f"memorybrain-onnx/{BUILDER_VERSION}\n".encode())
    weights = model_dir / "model.safetensors"
    st = weights.stat()
    h.update(f"{model_dir.resolve()}\n{st.st_size}\n{st.st_mtime_ns}\n".encode())
    header, _ = _safetensors_header(weights)
    h.update(json.dumps(header, sort_keys=True).encode())
    for name in ("config.json", "sentence_bert_config.json", "modules.json"):
        p = model_dir / name
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()[:20]


def max_seq_length(model_dir: Path) -> int:
    sbert = _read_json(model_dir / "sentence_bert_config.json") or {}
    config = _read_json(model_dir / "config.json") or {}
    limit = int(config.get("max_position_embeddings") or 512)
    value = sbert.get("max_seq_length") or DEFAULT_MAX_SEQ
    return min(int(value), limit)


# ---------------------------------------------------------------------- graph builder


def _load_weights(model_dir: Path) -> dict[str, np.ndarray]:
    path = model_dir / "model.safetensors"
    header, start = _safetensors_header(path)
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        a, b = info["data_offsets"]
        if dtype is None:
            if info["dtype"] != "BF16":
                continue
            u16 = np.frombuffer(raw[start + a : start + b], dtype="<u2")
            arr = (u16.astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw[start + a : start + b], dtype=np.dtype(dtype).newbyteorder("<"))
        out[name.removeprefix("bert.")] = np.array(arr.reshape(info["shape"]), dtype=arr.dtype.newbyteorder("="))
    return out


def build_onnx(model_dir: Path, target: Path) -> None:
    """Write an ONNX graph of the BERT encoder with mean pooling (no normalisation)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    config = _read_json(model_dir / "config.json") or {}
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    layers = int(config["num_hidden_layers"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    head_dim = hidden // heads
    w = _load_weights(model_dir)

    def f32(name: str) -> np.ndarray:
        return np.ascontiguousarray(w[name], dtype=np.float32)

    inits: list[Any] = []
    nodes: list[Any] = []

    def init(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, out: str) -> str:
        weight = init(f"{prefix}.weight_t", f32(f"{prefix}.weight").T)
        bias = init(f"{prefix}.bias", f32(f"{prefix}.bias"))
        return node("Add", [node("MatMul", [x, weight], f"{out}_mm"), bias], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        gamma = init(f"{prefix}.weight", f32(f"{prefix}.weight"))
        beta = init(f"{prefix}.bias", f32(f"{prefix}.bias"))
        return node("LayerNormalization", [x, gamma, beta], out, axis=-1, epsilon=eps)

    # embeddings: word + position + token type 0 (brain never sends a second segment)
    word = init("word_embeddings", f32("embeddings.word_embeddings.weight"))
    pos_table = f32("embeddings.position_embeddings.weight")
    type0 = f32("embeddings.token_type_embeddings.weight")[0]
    init("position_embeddings", pos_table)
    init("token_type_0", type0)
    init("zero_i64", np.array([0], dtype=np.int64))
    init("one_i64", np.array([1], dtype=np.int64))
    init("two_i64", np.array([2], dtype=np.int64))
    init("axes_last", np.array([-1], dtype=np.int64))
    init("axes_1", np.array([1], dtype=np.int64))
    init("one_f", np.array(1.0, dtype=np.float32))
    init("half_f", np.array(0.5, dtype=np.float32))
    init("sqrt2_f", np.array(np.sqrt(2.0), dtype=np.float32))
    init("mask_min_f", np.array(np.finfo(np.float32).min, dtype=np.float32))
    init("tiny_f", np.array(1e-9, dtype=np.float32))
    init("heads_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    init("hidden_shape", np.array([0, 0, hidden], dtype=np.int64))
    init("scale_f", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))

    shape = node("Shape", ["input_ids"], "ids_shape")
    seq = node("Slice", [shape, "one_i64", "two_i64"], "seq_len")
    pos = node("Slice", ["position_embeddings", "zero_i64", seq], "pos_rows")
    emb = node("Gather", [word, "input_ids"], "word_rows")
    emb = node("Add", [emb, pos], "emb_wp")
    emb = node("Add", [emb, "token_type_0"], "emb_sum")
    x = layer_norm(emb, "embeddings.LayerNorm", "emb_ln")

    # additive attention mask [B, 1, 1, L]: 0 where attended, float32 min where padded
    mask_f = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    inv = node("Sub", ["one_f", mask_f], "mask_inv")
    bias = node("Mul", [inv, "mask_min_f"], "mask_bias2")
    bias = node("Unsqueeze", [bias, "axes_1"], "mask_bias3")
    bias = node("Unsqueeze", [bias, "axes_1"], "mask_bias")

    for i in range(layers):
        p = f"encoder.layer.{i}"
        q = node("Reshape", [linear(x, f"{p}.attention.self.query", f"l{i}_q"), "heads_shape"], f"l{i}_q4")
        k = node("Reshape", [linear(x, f"{p}.attention.self.key", f"l{i}_k"), "heads_shape"], f"l{i}_k4")
        v = node("Reshape", [linear(x, f"{p}.attention.self.value", f"l{i}_v"), "heads_shape"], f"l{i}_v4")
        q = node("Transpose", [q], f"l{i}_qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], f"l{i}_kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], f"l{i}_vt", perm=[0, 2, 1, 3])
        scores = node("MatMul", [q, k], f"l{i}_scores")
        scores = node("Mul", [scores, "scale_f"], f"l{i}_scaled")
        scores = node("Add", [scores, bias], f"l{i}_masked")
        probs = node("Softmax", [scores], f"l{i}_probs", axis=-1)
        ctx = node("MatMul", [probs, v], f"l{i}_ctx")
        ctx = node("Transpose", [ctx], f"l{i}_ctxt", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "hidden_shape"], f"l{i}_ctx3")
        attn = linear(ctx, f"{p}.attention.output.dense", f"l{i}_attn")
        x = layer_norm(node("Add", [attn, x], f"l{i}_res1"), f"{p}.attention.output.LayerNorm", f"l{i}_ln1")
        h = linear(x, f"{p}.intermediate.dense", f"l{i}_inter")
        erf = node("Erf", [node("Div", [h, "sqrt2_f"], f"l{i}_gdiv")], f"l{i}_gerf")
        gelu = node("Mul", [h, node("Add", [erf, "one_f"], f"l{i}_gadd")], f"l{i}_gmul")
        gelu = node("Mul", [gelu, "half_f"], f"l{i}_gelu")
        out = linear(gelu, f"{p}.output.dense", f"l{i}_out")
        x = layer_norm(node("Add", [out, x], f"l{i}_res2"), f"{p}.output.LayerNorm", f"l{i}_ln2")

    # mean pooling over attended tokens (sentence-transformers' Pooling, mean mode)
    m3 = node("Unsqueeze", [mask_f, "axes_last"], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, m3], "masked_tokens"), "axes_1"], "token_sum", keepdims=0)
    count = node("ReduceSum", [m3, "axes_1"], "token_count", keepdims=0)
    count = node("Max", [count, "tiny_f"], "token_count_clamped")
    node("Div", [summed, count], "sentence_embedding")

    graph = helper.make_graph(
        nodes,
        "memorybrain_bert_mean_pooling",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="memorybrain",
        producer_version=BUILDER_VERSION,
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    # The weights go to a side file: onnxruntime opens that faster than one 90 MB protobuf
    # (about 0.1 s less on every cold `brain context`). Both files appear at once: the
    # folder is written under a temporary name and renamed.
    folder = target.parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        onnx.save_model(
            model,
            str(tmp / target.name),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=target.name + ".data",
            size_threshold=1024,
        )
        (tmp / "source.json").write_text(
            json.dumps({"model_dir": str(model_dir.resolve()), "builder": BUILDER_VERSION}) + "\n"
        )
        for path in tmp.iterdir():
            path.chmod(0o644)
        tmp.chmod(0o755)
        _remove_stale(model_dir, folder)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not target.is_file():  # not another process winning the race: a real error
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_build_lock = threading.Lock()


def _remove_stale(model_dir: Path, keep: Path) -> None:
    """Drop cached graphs of this model folder built from older files or by an older builder."""
    for source in keep.parent.glob("*/source.json"):
        if source.parent == keep or source.parent.name.startswith("."):
            continue
        info = _read_json(source) or {}
        if info.get("model_dir") == str(model_dir.resolve()):
            shutil.rmtree(source.parent, ignore_errors=True)


def _complete(target: Path) -> bool:
    return target.is_file() and target.with_name(target.name + ".data").is_file()


def ensure_onnx(model_dir: Path) -> Path:
    """The cached ONNX file for this model folder, built on first use (about a second)."""
    target = cache_dir() / "onnx" / model_key(model_dir) / "model.onnx"
    if _complete(target):
        return target
    with _build_lock:
        if not _complete(target):
            shutil.rmtree(target.parent, ignore_errors=True)  # a partial folder from a crash
            try:
                build_onnx(model_dir, target)
            except ImportError as e:
                raise ModelError(f"cannot build the ONNX model: {e}", hint="pip install onnx") from e
            except (OSError, KeyError, ValueError) as e:
                raise ModelError(f"cannot build the ONNX model from {model_dir}: {e}") from e
    return target


def ensure_quantized(model_dir: Path) -> Path:
    """The int8 variant (dynamic per-channel quantization of every MatMul's weights), built once
    from the float graph. Faster to run (about 1.6x per core here) and 4x smaller, but
    its vectors differ from sentence-transformers' (cosine 0.995 on average), so it is a model of
    its own name (``<model>-int8``): a store never mixes its vectors with the float ones."""
    source = ensure_onnx(model_dir)
    target = source.with_name("model.int8.onnx")
    if target.is_file():
        return target
    with _build_lock:
        if target.is_file():
            return target
        try:
            from onnxruntime.quantization import QuantType, quantize_dynamic
        except ImportError as e:
            raise ModelError(f"cannot quantize the ONNX model: {e}", hint="pip install onnx") from e
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        logging.disable(logging.WARNING)  # the quantizer logs advice on the root logger
        try:
            quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
            tmp.chmod(0o644)
            os.replace(tmp, target)
        except Exception as e:  # noqa: BLE001 - any quantizer failure is the same for users
            raise ModelError(f"cannot quantize the ONNX model {source}: {e}") from e
        finally:
            logging.disable(logging.NOTSET)
            tmp.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------------- encoder


class OnnxEncoder:
    """A sentence-transformers BERT model run by onnxruntime (vectors match within 1e-5).

    ``fallback`` makes the encoder to use when the ONNX model cannot be built or loaded
    (a message says why); without one, that failure is a ``ModelError``.
    """

    def __init__(
        self,
        name: str,
        model_dir: Path,
        *,
        batch_size: int = 32,
        workers: int | None = None,
        fallback: Callable[[], Any] | None = None,
        quantized: bool = False,
    ) -> None:
        self.name = name
        self.path = model_dir
        self.batch_size = batch_size
        #: batches run at once (each on one thread); a single text runs on one thread
        self.workers = workers or min(os.cpu_count() or 1, 4)
        config = _read_json(model_dir / "config.json") or {}
        self.dim = int(config["hidden_size"])
        self.max_seq = max_seq_length(model_dir)
        self._fallback_factory = fallback
        self.quantized = quantized
        self._fallback: Any = None
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return "sentence-transformers" if self._fallback is not None else "onnxruntime"

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None and self._fallback is None:
                try:
                    self._session, self._tokenizer = self._open()
                except ModelError as e:
                    if self._fallback_factory is None:
                        raise
                    log.warning("brain: %s; embedding with sentence-transformers instead (slower to load)", e)
                    self._fallback = self._fallback_factory()
        return self._session, self._tokenizer

    def _open(self) -> tuple[Any, Any]:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:
            raise ModelError(f"onnxruntime is unavailable: {e}") from e
        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_seq)
        pad_id = tok.token_to_id("[PAD]")
        tok.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        # no busy-waiting between operators: on a busy machine spinning threads make one
        # query 2-3x slower (7 ms instead of 3), and they burn the core the caller needs
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        build = ensure_quantized if self.quantized else ensure_onnx
        onnx_path = build(self.path)
        try:
            session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        except Exception:  # noqa: BLE001 - a damaged cache folder: build it again, once
            shutil.rmtree(onnx_path.parent, ignore_errors=True)
            onnx_path = build(self.path)
            try:
                session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
            except Exception as e:  # noqa: BLE001
                raise ModelError(f"onnxruntime cannot load {onnx_path}: {e}") from e
        return session, tok

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tok = self._load()
        if self._fallback is not None:
            return self._fallback.encode(texts)
        # like sentence-transformers: batches of similar length waste less on padding
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]

        def run(idx: list[int]) -> None:
            enc = tok.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            (pooled,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[idx] = pooled

        if len(batches) > 1 and self.workers > 1:
            # one single-threaded run per core: more text per CPU-second than one run
            # spread over the cores (no synchronisation between operators)
            with ThreadPoolExecutor(max_workers=min(self.workers, len(batches))) as pool:
                list(pool.map(run, batches))
        else:
            for idx in batches:
                run(idx)
        # sentence-transformers' Normalize: x / max(||x||, 1e-12)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
