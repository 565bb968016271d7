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
from memorybrain.errors import NotIndexedError, ReadOnlyError, RequestError
from memorybrain.models import Fact, Pattern
from memorybrain.pack import Pack, PackBuilder
from memorybrain.store import Store

if TYPE_CHECKING:  # the pipeline (tree-sitter, the indexers, the linker) loads on first index
    from memorybrain.indexing import EmbedReport, IndexReport, Progress

FORMATS = ("md", "json")


class Brain:
    """One project: its configuration, its store and (lazily) its encoder."""

    def __init__(self, config: Config, *, encoder: Encoder | None = None) -> None:
        self.config = config
        self._encoder = encoder
        self._store: Store | None = None
        self._builder: PackBuilder | None = None
        #: set by ``from_snapshot``: the brain answers queries only
        self.read_only = False
        self.project_name = config.root.name
        self.snapshot_path: Path | None = None
        self.snapshot_embedded = 0  # patterns embedded here because the snapshot had no usable vectors
        self.snapshot_cached = 0  # ... and patterns whose vectors came from the user's vector cache

    @classmethod
    def from_snapshot(
        cls,
        path: str | Path,
        *,
        model: str | None = None,
        encoder: Encoder | None = None,
        vector_cache: bool = True,
    ) -> Brain:
        """A read-only brain built from a snapshot file alone (no source tree, no project store).

        The snapshot is validated, then loaded into a private in-memory store. Its vectors
        are used when the local model (``model``, default all-MiniLM-L6-v2; never a model
        named by the file) is the one they were made with; otherwise every pattern is
        embedded here, through the user's vector cache (``memorybrain.vector_cache``; off
        with ``vector_cache=False`` or ``MEMORYBRAIN_VECTOR_CACHE=off``), so the next load
        of the same patterns embeds nothing. Nothing is written into the project.
        """
        from memorybrain import snapshot

        path = Path(path).expanduser()
        snap = snapshot.read(path)
        config = Config(root=path.resolve().parent)
        if model:
            config = config.with_overrides(model=model)
        brain = cls(config, encoder=encoder)
        store = Store.memory()
        try:
            store.load(
                index=snap.index(),
                meta={**snap.meta(), "root": snap.project},
                curation=snap.records["curation"],
                exclusions=[g["glob"] for g in snap.records["exclusion"]],
                rules=snap.records["rule"],
                team_facts=snap.team_facts(),
            )
            done = brain._embed(store, cache=vector_cache)
            brain.snapshot_embedded, brain.snapshot_cached = done.embedded, done.cached
        except BaseException:
            store.close()
            raise
        brain._store = store
        brain.read_only = True
        brain.project_name = snap.project
        brain.snapshot_path = path
        return brain

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

    def _embed(self, store: Store, *, cache: bool) -> EmbedReport:
        """Embed what ``store`` lacks vectors for (through the vector cache when ``cache``)."""
        from memorybrain.indexing import embed_missing
        from memorybrain.vector_cache import VectorCache

        encoder = self.encoder
        vectors = VectorCache.for_encoder(encoder) if cache else None
        return embed_missing(store, encoder, cache=vectors)

    # ------------------------------------------------------------------ indexing

    def _writable(self) -> Store:
        if self.read_only:
            raise ReadOnlyError(
                f"this brain is served from the snapshot {self.snapshot_path} and is read-only",
                hint="curate in the project itself, then `brain snapshot export`",
            )
        return self.store

    def index(self, *, progress: Progress | None = None) -> IndexReport:
        from memorybrain.indexing import index_project

        if self.read_only:
            self._writable()

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
            raise RequestError(f"budget must be between {MIN_BUDGET} and {MAX_BUDGET} tokens, got {budget}")
        if fmt not in FORMATS:
            raise RequestError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        if not request or not request.strip():
            raise RequestError(
                "the request is empty",
                hint='say what you want to build, e.g. "Add CRUD endpoints for invoices"',
            )
        return self._pack_builder().build(request, budget=budget, fmt=fmt, kinds=kinds)

    def _pack_builder(self) -> PackBuilder:
        if self._builder is None:
            self._builder = PackBuilder(self.store, self.encoder, project=self.project_name)
        return self._builder

    def search(
        self, query: str, *, kind: str | None = None, limit: int = 10, offset: int = 0
    ) -> tuple[list[tuple[Pattern, float]], bool]:
        """Patterns ranked by similarity to ``query`` (embeddings and full text, the same
        retrieval packs use): (pattern, score) pairs for ``[offset, offset + limit)`` and
        whether more follow."""
        if not query or not query.strip():
            raise RequestError("the search query is empty")
        if limit < 1 or offset < 0:
            raise RequestError(f"limit must be at least 1 and offset at least 0, got {limit} and {offset}")
        hits = self._pack_builder().retriever.search(query, kinds=(kind,) if kind else None, limit=offset + limit + 1)
        page = hits[offset : offset + limit]
        found = self.store.get_patterns(h.id for h in page)
        return [(found[h.id], h.score) for h in page if h.id in found], len(hits) > offset + limit

    def refresh(self) -> None:
        """See changes another process wrote to the store (a new index, curation)."""
        if self._builder is not None:
            self._builder.refresh()

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

    def count_patterns(self, *, kind: str | None = None, path: str | None = None, text: str | None = None) -> int:
        return self.store.count_matching(kind=kind, path=path, text=text)

    def pattern(self, pattern_id: str) -> Pattern:
        """One pattern by id, unique id prefix, or ``path:qualname`` (``curation.resolve``)."""
        from memorybrain.curation import resolve

        return self.store.get_pattern(str(resolve(self.store, pattern_id)))

    def facts(self) -> list[Fact]:
        return self.store.facts()

    def conventions(self) -> list[dict[str, Any]]:
        return self.store.conventions()

    def status(self) -> dict[str, Any]:
        from memorybrain import curation

        stats = self.store.stats()
        stats["root"] = str(self.config.root)
        stats["db_path"] = str(self.snapshot_path or self.config.db_path)
        stats["read_only"] = self.read_only
        cur = curation.summary(self.store)
        stats["curation"] = {
            "pins": len(cur["pins"]),
            "excluded": len(cur["excluded"]),
            "exclusion_globs": cur["exclusion_globs"],
            "notes": len(cur["notes"]),
            "rules": len(cur["rules"]),
            "team_facts": len(cur["facts"]),
        }
        stats["stale_pins"] = cur["stale_pins"]
        return stats

    # ------------------------------------------------------------------ curation

    def pin(self, pattern_id: str) -> dict[str, Any]:
        """Pin a pattern: preferred in packs for its kind and marked team-approved."""
        from memorybrain import curation

        return curation.pin(self._writable(), pattern_id)

    def unpin(self, pattern_id: str) -> bool:
        from memorybrain import curation

        return curation.unpin(self._writable(), pattern_id)

    def exclude(self, target: str) -> dict[str, Any]:
        """Keep a pattern id, or every pattern under a path glob, out of packs."""
        from memorybrain import curation

        return curation.exclude(self._writable(), target)

    def include(self, target: str) -> dict[str, Any]:
        from memorybrain import curation

        return curation.include(self._writable(), target)

    def note(self, pattern_id: str, text: str | None) -> dict[str, Any] | None:
        """Attach a note shown with the pattern in packs (empty text removes it)."""
        from memorybrain import curation

        return curation.note(self._writable(), pattern_id, text)

    def rule_add(self, text: str) -> dict[str, Any]:
        from memorybrain import curation

        return curation.rule_add(self._writable(), text)

    def rule_remove(self, ref: str) -> dict[str, Any] | None:
        from memorybrain import curation

        return curation.rule_remove(self._writable(), ref)

    def rules(self) -> list[dict[str, Any]]:
        return self.store.rules()

    def fact_set(self, key: str, value: str) -> Fact:
        from memorybrain import curation

        return curation.fact_set(self._writable(), key, value)

    def fact_unset(self, key: str) -> bool:
        from memorybrain import curation

        return curation.fact_unset(self._writable(), key)

    def curation_marks(self, ids: Any) -> dict[str, list[str]]:
        """id -> ["pinned" | "pinned, stale" | "excluded" | "excluded by glob", "note"] for these ids."""
        from memorybrain.curation import Curation

        cur = Curation.load(self.store)
        stale = {s["id"] for s in self.curation()["stale_pins"]}
        out: dict[str, list[str]] = {}
        for pid in ids:
            row = cur.rows.get(pid) or {}
            marks = []
            if row.get("pinned"):
                marks.append("pinned, stale" if pid in stale else "pinned")
            if row.get("excluded"):
                marks.append("excluded")
            elif pid in cur.excluded:
                marks.append("excluded by glob")
            if row.get("note"):
                marks.append("note")
            if marks:
                out[pid] = marks
        return out

    def curation(self) -> dict[str, Any]:
        """Pins, exclusions, notes, rules, team facts and stale pins."""
        from memorybrain import curation

        return curation.summary(self.store)

    # ------------------------------------------------------------------ snapshots and rule files

    def export_snapshot(self, path: str | Path | None = None, *, vectors: bool = True) -> dict[str, Any]:
        """Write the team snapshot (default ``.brain/snapshot.jsonl`` under the project)."""
        from memorybrain import snapshot

        target = Path(path).expanduser() if path else self.config.root / snapshot.DEFAULT_PATH
        return snapshot.export(
            self.store,
            target,
            project=self.project_name,
            root=None if self.read_only else self.config.root,
            vectors=vectors,
        )

    def snapshot_data(self, *, vectors: bool = True) -> bytes:
        """The team snapshot's bytes, as ``export_snapshot`` would write them (nothing written)."""
        from memorybrain import snapshot

        return snapshot.build(
            self.store, project=self.project_name, root=None if self.read_only else self.config.root, vectors=vectors
        )

    def diff_snapshot(self, a: str | Path, b: str | Path | None = None) -> dict[str, Any]:
        """What changed from the snapshot file ``a`` to ``b`` (default: this brain's store now)."""
        from memorybrain import snapshot

        old = snapshot.read(Path(a).expanduser())
        if b is not None:
            new = snapshot.read(Path(b).expanduser())
        else:  # the snapshot an export would write now
            new = snapshot.parse(self.snapshot_data())
        return snapshot.diff(old, new)

    def import_snapshot(self, path: str | Path | bytes, *, mode: str = "merge") -> dict[str, Any]:
        """Import a team snapshot (a file, or its bytes) into this project's store, in one transaction.

        ``merge`` keeps local curation (differences are reported as conflicts) and takes the
        snapshot's index only if the project has none; ``replace`` swaps in the snapshot's
        index and curation. Everything is validated before anything is written.
        """
        from memorybrain import snapshot

        if mode not in ("merge", "replace"):
            raise RequestError(f"mode must be merge or replace, got {mode!r}")
        if self.read_only:
            self._writable()
        snap = snapshot.parse(path) if isinstance(path, bytes) else snapshot.read(Path(path).expanduser())
        store = self._store or Store.open(self.config.db_path, create=True)
        self._store = store
        indexed = bool(store.get_meta("last_indexed"))
        take_index = mode == "replace" or not indexed
        report: dict[str, Any] = {"mode": mode, "index": "snapshot" if take_index else "local", "conflicts": []}
        if mode == "replace":
            cur, rules = snap.records["curation"], snap.records["rule"]
            globs = [g["glob"] for g in snap.records["exclusion"]]
            facts = snap.team_facts()
            report["added"] = {"curation": len(cur), "exclusions": len(globs), "rules": len(rules), "facts": len(facts)}
        else:
            local = {
                "curation": store.curation(),
                "exclusions": store.exclusion_globs(),
                "rules": store.rules(),
                "facts": [f for f in store.facts() if f.origin == "team"],
                "hashes": store.pattern_hashes(),
            }
            cur, globs, rules, facts, merged = snapshot.merge(local, snap)
            report.update(merged)
        meta = {**snap.meta(), "root": str(self.config.root)} if take_index else {}
        store.load(
            index=snap.index() if take_index else None,
            meta=meta,
            curation=cur,
            exclusions=globs,
            rules=rules,
            team_facts=facts,
        )
        report["patterns"] = store.pattern_count()
        report["embedded"] = self._embed(store, cache=False).embedded if take_index else 0
        report["vectors"] = "re-embedded" if report["embedded"] else "from snapshot" if take_index else "local"
        report["stale_pins"] = len(self.curation()["stale_pins"])
        if self._builder is not None:
            self._builder.refresh()
        return report

    def export_rules(self, target: str, path: str | Path | None = None) -> dict[str, Any]:
        """Write the curated conventions into AGENTS.md, CLAUDE.md or .cursor/rules/memorybrain.mdc."""
        from memorybrain import export_rules

        if self.read_only:
            self._writable()
        return export_rules.export(self, target, path)
