"""The library's front door: what the CLI, the HTTP server and MCP call.

brain = Brain.open("path/to/project")      # reads config, opens the store
report = brain.index()                      # incremental index
pack = brain.context("Add CRUD endpoints for notifications", budget=4000)
print(pack.to_markdown())
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from memorybrain.config import MAX_BUDGET, MIN_BUDGET, Config, find_root, load_config
from memorybrain.embeddings import Encoder, get_encoder
from memorybrain.errors import NotIndexedError, RequestError
from memorybrain.models import Fact, Pattern
from memorybrain.pack import Pack, PackBuilder
from memorybrain.store import Store

if TYPE_CHECKING:  # the pipeline (tree-sitter, the indexers, the linker) loads on first index
    from memorybrain.indexing import IndexReport, Progress

FORMATS = ("md", "json")


class Brain:
    """One project: its configuration, its store and (lazily) its encoder."""

    def __init__(self, config: Config, *, encoder: Encoder | None = None) -> None:
        self.config = config
        self._encoder = encoder
        self._store: Store | None = None
        self._builder: PackBuilder | None = None

    @classmethod
    def open(
        cls,
        project: str | Path | None = None,
        *,
        db: str | None = None,
        model: str | None = None,
        encoder: Encoder | None = None,
        **overrides: Any,
    ) -> Brain:
        """Open the project at ``project`` (default: the nearest folder above the current
        one that holds ``.brain/``, else the current folder)."""
        root = Path(project) if project is not None else find_root(Path.cwd())
        config = load_config(root).with_overrides(db=db, model=model, **overrides)
        return cls(config, encoder=encoder)

    # ------------------------------------------------------------------ resources

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = get_encoder(self.config.model)
        return self._encoder

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.config.db_path, create=False)
            if not self._store.get_meta("last_indexed"):
                raise NotIndexedError(
                    f"{self.config.root} has not been indexed yet",
                    hint=f"run `brain index {self.config.root}`",
                )
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._builder = None

    def __enter__(self) -> Brain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ indexing

    def index(self, *, progress: Progress | None = None) -> IndexReport:
        from memorybrain.indexing import index_project

        store = self._store or Store.open(self.config.db_path, create=True)
        self._store = store
        report = index_project(self.config, encoder=self.encoder, progress=progress, store=store)
        if self._builder is not None:
            self._builder.refresh()
        return report

    def dry_run(self) -> dict[str, Any]:
        from memorybrain.indexing import dry_run

        return dry_run(self.config)

    # ------------------------------------------------------------------ queries

    def context(
        self,
        request: str,
        *,
        budget: int | None = None,
        fmt: str = "md",
        kinds: tuple[str, ...] | None = None,
    ) -> Pack:
        budget = self.config.budget if budget is None else budget
        if not MIN_BUDGET <= budget <= MAX_BUDGET:
            raise RequestError(
                f"budget must be between {MIN_BUDGET} and {MAX_BUDGET} tokens, got {budget}"
            )
        if fmt not in FORMATS:
            raise RequestError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        if not request or not request.strip():
            raise RequestError(
                "the request is empty",
                hint='say what you want to build, e.g. "Add CRUD endpoints for invoices"',
            )
        if self._builder is None:
            self._builder = PackBuilder(self.store, self.encoder, project=self.config.root.name)
        return self._builder.build(request, budget=budget, fmt=fmt, kinds=kinds)

    def patterns(
        self,
        *,
        kind: str | None = None,
        path: str | None = None,
        text: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Pattern]:
        return self.store.iter_patterns(kind=kind, path=path, text=text, limit=limit, offset=offset)

    def count_patterns(
        self, *, kind: str | None = None, path: str | None = None, text: str | None = None
    ) -> int:
        return self.store.count_matching(kind=kind, path=path, text=text)

    def pattern(self, pattern_id: str) -> Pattern:
        return self.store.get_pattern(pattern_id)

    def facts(self) -> list[Fact]:
        return self.store.facts()

    def conventions(self) -> list[dict[str, Any]]:
        return self.store.conventions()

    def status(self) -> dict[str, Any]:
        stats = self.store.stats()
        stats["root"] = str(self.config.root)
        stats["db_path"] = str(self.config.db_path)
        return stats
