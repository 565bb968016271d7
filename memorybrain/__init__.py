"""memorybrain: a local project-memory context store for coding assistants.

The public API is re-exported here; ``cli/`` and ``server/`` use nothing else.
"""

__version__ = "0.1.0"

from memorybrain.api import Brain
from memorybrain.config import Config, load_config
from memorybrain.embeddings import Encoder, HashingEncoder, SentenceTransformerEncoder, get_encoder
from memorybrain.errors import (
    BrainError,
    ConfigError,
    ModelError,
    NotIndexedError,
    PatternNotFoundError,
    ProjectError,
    RequestError,
    StoreError,
)
from memorybrain.indexing import IndexReport
from memorybrain.models import Fact, Pattern
from memorybrain.pack import PACK_SCHEMA, Pack

__all__ = [
    "Brain",
    "BrainError",
    "Config",
    "ConfigError",
    "Encoder",
    "Fact",
    "HashingEncoder",
    "IndexReport",
    "ModelError",
    "NotIndexedError",
    "PACK_SCHEMA",
    "Pack",
    "Pattern",
    "PatternNotFoundError",
    "ProjectError",
    "RequestError",
    "SentenceTransformerEncoder",
    "StoreError",
    "__version__",
    "get_encoder",
    "load_config",
]
