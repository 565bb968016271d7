"""memorybrain: a local project-memory context store for coding assistants.

The public API is re-exported here; ``cli/`` and ``server/`` use nothing else.
"""

__version__ = "0.1.0"
