"""memorybrain: a local project-memory context store for coding assistants.

The public API is re-exported here; ``cli/`` and ``server/`` use nothing else. Names are
resolved lazily (PEP 562), so importing a submodule such as ``memorybrain.models`` (as the
indexers do) does not pull in the store, the pipeline or numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Brain": "memorybrain.api",
    "BrainError": "memorybrain.errors",
    "Config": "memorybrain.config",
    "ConfigError": "memorybrain.errors",
    "Encoder": "memorybrain.embeddings",
    "Fact": "memorybrain.models",
    "HashingEncoder": "memorybrain.embeddings",
    "IndexReport": "memorybrain.indexing",
    "ModelError": "memorybrain.errors",
    "NotIndexedError": "memorybrain.errors",
    "PACK_SCHEMA": "memorybrain.pack",
    "Pack": "memorybrain.pack",
    "Pattern": "memorybrain.models",
    "PatternNotFoundError": "memorybrain.errors",
    "ProjectError": "memorybrain.errors",
    "ReadOnlyError": "memorybrain.errors",
    "RequestError": "memorybrain.errors",
    "SentenceTransformerEncoder": "memorybrain.embeddings",
    "SnapshotError": "memorybrain.errors",
    "StoreError": "memorybrain.errors",
    "get_encoder": "memorybrain.embeddings",
    "load_config": "memorybrain.config",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'memorybrain' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from memorybrain.api import Brain
    from memorybrain.config import Config, load_config
    from memorybrain.embeddings import (
        Encoder,
        HashingEncoder,
        SentenceTransformerEncoder,
        get_encoder,
    )
    from memorybrain.errors import (
        BrainError,
        ConfigError,
        ModelError,
        NotIndexedError,
        PatternNotFoundError,
        ProjectError,
        ReadOnlyError,
        RequestError,
        SnapshotError,
        StoreError,
    )
    from memorybrain.indexing import IndexReport
    from memorybrain.models import Fact, Pattern
    from memorybrain.pack import PACK_SCHEMA, Pack
