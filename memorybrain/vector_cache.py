"""A disk cache of embeddings, so a snapshot without usable vectors is embedded once, not per call.

``brain context --snapshot``, ``brain serve --snapshot`` and ``brain mcp --snapshot`` load the
snapshot into a private in-memory store; when the file has no vectors for the local model
(exported with ``--no-vectors``, or with another model) every pattern must be embedded, which
takes seconds to minutes. The vectors are kept here, keyed by the model (name and
dimension) and the sha256 of the exact text each pattern is embedded from, so the next load
— of the same snapshot or of a later one that shares most patterns — embeds only what is new.

Where: ``$MEMORYBRAIN_VECTOR_CACHE`` (a folder; ``off`` disables the cache), else
``vectors/`` under the user cache folder (``memorybrain.paths.cache_dir``:
``$MEMORYBRAIN_CACHE_DIR``, ``$XDG_CACHE_HOME/memorybrain`` or ``~/.cache/memorybrain``).

One file per model, ``<model>-<dim>-<key>.vec``::

    {"count":n,"dim":384,"format":"memorybrain.vectors/1","model":"all-MiniLM-L6-v2","sha256":"…"}\\n
    n × 32 bytes   sha256 of each embedded text
    n × dim × 4    little-endian float32 vectors, in the same order

Entries are kept most recently used first, at most ``MAX_ENTRIES`` (more only when one
snapshot alone needs more): about 300 MB for the 384-dimension default model at the cap.
A file is written to a temporary name and renamed over the old one (atomic; two processes
writing at once lose only each other's new entries). A file that is truncated, edited, of
another format, model or dimension, or holds NaN is ignored with a warning and rewritten;
a cache that cannot be read or written never stops a load (a warning, then embedding as if
there were no cache).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from memorybrain.paths import cache_dir

__all__ = ["ENV", "FORMAT", "MAX_ENTRIES", "VectorCache", "cache_root", "text_key"]

log = logging.getLogger(__name__)

ENV = "MEMORYBRAIN_VECTOR_CACHE"
FORMAT = "memorybrain.vectors/1"
#: Most entries kept per model (most recently used first).
MAX_ENTRIES = 200_000
KEY_BYTES = 32
_OFF = {"0", "off", "no", "false", "none", "disabled"}
_MAX_HEADER = 4096


def cache_root() -> Path | None:
    """The cache folder, or None when ``$MEMORYBRAIN_VECTOR_CACHE`` turns the cache off."""
    value = os.environ.get(ENV, "").strip()
    if value.lower() in _OFF:
        return None
    if value:
        return Path(value).expanduser()
    return cache_dir() / "vectors"


def text_key(text: str) -> bytes:
    """The cache key of an embedded text: its sha256."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _model_ident(name: str) -> str:
    """What names the model for the cache: its name, or the resolved folder of a local model
    (two projects may name different folders ``./model``)."""
    try:
        path = Path(name).expanduser()
        if path.is_dir():
            return str(path.resolve())
    except OSError:
        pass
    return name


class VectorCache:
    """The cached vectors of one model (name and dimension)."""

    def __init__(self, folder: Path, model: str, dim: int, *, max_entries: int = MAX_ENTRIES) -> None:
        self.model = model
        self.dim = int(dim)
        self.max_entries = max_entries
        ident = _model_ident(model)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(model).name or model).strip("-.")[:60] or "model"
        key = hashlib.sha256(f"{ident}\0{self.dim}".encode()).hexdigest()[:12]
        self.path = folder / f"{slug}-{self.dim}-{key}.vec"
        self._keys: list[bytes] | None = None
        self._matrix: np.ndarray | None = None
        self._index: dict[bytes, int] = {}

    @classmethod
    def for_encoder(cls, encoder: object) -> VectorCache | None:
        """The cache for ``encoder`` (its ``name`` and ``dim``), or None when it is off."""
        folder = cache_root()
        if folder is None:
            return None
        return cls(folder, str(encoder.name), int(encoder.dim))  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ reading

    def _load(self) -> None:
        if self._keys is not None:
            return
        self._keys, self._matrix, self._index = [], np.zeros((0, self.dim), dtype="<f4"), {}
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            log.warning("brain: cannot read the vector cache %s (%s); embedding without it", self.path, e.strerror)
            return
        try:
            keys, matrix = self._parse(data)
        except ValueError as e:
            log.warning("brain: ignoring the vector cache %s: %s; it will be rebuilt", self.path, e)
            return
        self._keys, self._matrix = keys, matrix
        self._index = {k: i for i, k in enumerate(keys)}

    def _parse(self, data: bytes) -> tuple[list[bytes], np.ndarray]:
        end = data.find(b"\n", 0, _MAX_HEADER)
        if end < 0:
            raise ValueError("no header (truncated or not a vector cache)")
        try:
            header = json.loads(data[:end].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("the header is not JSON") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        if header.get("model") != self.model or header.get("dim") != self.dim:
            raise ValueError(f"it holds vectors of {header.get('model')!r} ({header.get('dim')} dimensions)")
        count = header.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("the header has no valid count")
        body = data[end + 1 :]
        if len(body) != count * (KEY_BYTES + 4 * self.dim):
            raise ValueError(
                f"{len(body)} bytes of vectors where {count} entries need "
                f"{count * (KEY_BYTES + 4 * self.dim)} (truncated?)"
            )
        if hashlib.sha256(body).hexdigest() != header.get("sha256"):
            raise ValueError("checksum mismatch (damaged or partly written)")
        split = count * KEY_BYTES
        keys = [body[i : i + KEY_BYTES] for i in range(0, split, KEY_BYTES)]
        matrix = np.frombuffer(body, dtype="<f4", offset=split).reshape(count, self.dim)
        if count and not np.isfinite(matrix).all():
            raise ValueError("it holds NaN or infinite values")
        return keys, matrix

    def __len__(self) -> int:
        self._load()
        return len(self._keys or [])

    def get(self, keys: Iterable[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors of these keys (those that are cached)."""
        self._load()
        assert self._matrix is not None
        return {k: self._matrix[self._index[k]] for k in keys if k in self._index}

    # ------------------------------------------------------------------ writing

    def put(self, new: dict[bytes, np.ndarray], used: Iterable[bytes] = ()) -> bool:
        """Add ``new`` vectors and write the file; ``used`` (keys read this time) and the new
        ones go first, older entries after them, up to ``max_entries``. True if written."""
        self._load()
        assert self._keys is not None and self._matrix is not None
        # this load's entries first, kept whatever the cap
        fresh = [k for k in dict.fromkeys([*used, *new]) if k in new or k in self._index]
        known = set(fresh)
        order = fresh + [k for k in self._keys if k not in known]
        order = order[: max(self.max_entries, len(fresh))]
        rows = []
        for k in order:
            v = new.get(k)
            rows.append(np.asarray(v, dtype="<f4") if v is not None else self._matrix[self._index[k]])
        matrix = np.vstack(rows).astype("<f4", copy=False) if rows else np.zeros((0, self.dim), dtype="<f4")
        if matrix.shape != (len(order), self.dim) or not np.isfinite(matrix).all():
            log.warning("brain: not caching vectors of the wrong shape or with NaN for %s", self.model)
            return False
        body = b"".join(order) + matrix.tobytes()
        header = {
            "count": len(order),
            "dim": self.dim,
            "format": FORMAT,
            "model": self.model,
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        data = json.dumps(header, sort_keys=True).encode() + b"\n" + body
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            log.warning(
                "brain: cannot write the vector cache %s (%s); the next load embeds again", self.path, e.strerror or e
            )
            return False
        self._keys, self._matrix = order, matrix
        self._index = {k: i for i, k in enumerate(order)}
        return True
