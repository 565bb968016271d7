"""Request and response models of the HTTP API (they are the OpenAPI schema)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from memorybrain.models import PATTERN_KINDS, Fact, Pattern
from server.settings import MAX_BUDGET, MAX_KINDS, MAX_REQUEST_CHARS, MIN_BUDGET

#: At least one character that is not white space (by Python's rules and by JSON Schema's).
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"

Kind = Literal[PATTERN_KINDS]  # type: ignore[valid-type]  # the data model owns the list


# ---------------------------------------------------------------------- context


class ContextRequest(BaseModel):
    """What to build; the answer is the same pack as `brain context`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"request": "Add CRUD endpoints for notifications", "budget": 4000, "format": "md"}]
        },
    )

    request: str = Field(
        min_length=1,
        max_length=MAX_REQUEST_CHARS,
        description=f"What you want to build or change (at most {MAX_REQUEST_CHARS} characters, not blank).",
        json_schema_extra={"pattern": NOT_BLANK},
    )
    budget: int | None = Field(
        None,
        ge=MIN_BUDGET,
        le=MAX_BUDGET,
        description=f"Token budget (characters/4), {MIN_BUDGET}-{MAX_BUDGET}; default: the project's "
        "configured budget (4000).",
    )
    format: Literal["md", "json"] = Field(
        "md",
        description="`md`: the Markdown pack wrapped in JSON (or bare with `Accept: text/markdown`); "
        "`json`: the `memorybrain.pack/1` document.",
    )
    kinds: list[Kind] | None = Field(None, max_length=MAX_KINDS, description="Only exemplars of these pattern kinds.")

    @field_validator("request")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not re.search(NOT_BLANK, value):
            raise ValueError('must say what to build, e.g. "Add CRUD endpoints for invoices"')
        return value


class ContextMarkdown(BaseModel):
    """A Markdown pack (``format: md``)."""

    format: Literal["md"] = "md"
    request: str
    budget: int
    tokens: int = Field(description="Tokens of `content`, counted as characters/4 rounded up.")
    content: str = Field(description="The pack in Markdown.")


class StackFactOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    category: str
    name: str
    value: str | None
    source: str
    evidence: str
    origin: str


class ConventionOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    topic: str
    statement: str
    count: int | None = None
    total: int | None = None
    origin: str = Field("detected", description="`team` for a rule written by the team (`brain rule add`).")


class ExemplarOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    role: str
    reason: str
    kind: str
    name: str
    qualname: str
    path: str
    start_line: int
    end_line: int
    location: str
    summary: str
    usage: int
    header: str | None = None
    code: str
    trimmed_lines: int
    team_approved: bool = Field(False, description="Pinned by the team (`brain pin`).")
    note: str | None = Field(None, description="The team's note on this pattern (`brain note`).")
    pin_stale: bool = Field(False, description="Pinned, but its code changed since.")


class ChecklistOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    item: str
    answer: str
    found: bool


class OmittedOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    location: str
    role: str
    why: str


class CurationReport(BaseModel):
    model_config = ConfigDict(extra="allow")
    used: list[dict[str, Any]] = Field(description="`{type: pin|rule|fact|note, ...}` entries that went in.")
    left_out: list[dict[str, Any]] = Field(description="Entries left out, each with `why` (budget, ...).")
    excluded_patterns: int = Field(description="Patterns kept out of every pack by `brain exclude`.")


class PackDocument(BaseModel):
    """The ``memorybrain.pack/1`` document (``format: json``), as `brain context --format json`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_: str = Field(alias="schema", description="`memorybrain.pack/1`")
    request: str
    project: str
    budget: int
    tokens: int
    token_counting: str
    stack: list[StackFactOut]
    conventions: list[ConventionOut]
    exemplars: list[ExemplarOut]
    checklist: list[ChecklistOut]
    omitted: list[OmittedOut]
    curation: CurationReport = Field(
        description="Which pinned patterns, team rules and team facts the pack used, and which it left out (why)."
    )


# ---------------------------------------------------------------------- patterns


class PatternSummary(BaseModel):
    id: str = Field(description="Stable id (from path, qualified name and kind).")
    kind: str
    name: str
    qualname: str
    path: str
    start_line: int
    end_line: int
    location: str = Field(description="`path:start-end`")
    summary: str
    usage: int = Field(description="How many route handlers use this definition.")

    @classmethod
    def of(cls, p: Pattern) -> PatternSummary:
        return cls(
            id=p.id,
            kind=p.kind,
            name=p.name,
            qualname=p.qualname,
            path=p.path,
            start_line=p.start_line,
            end_line=p.end_line,
            location=p.location,
            summary=p.summary,
            usage=p.usage,
        )


class PatternDetail(PatternSummary):
    meta: dict[str, Any] = Field(description="Structured metadata; keys depend on the kind.")
    code: str = Field(description="The definition's source (secrets redacted).")

    @classmethod
    def of(cls, p: Pattern) -> PatternDetail:
        return cls(**PatternSummary.of(p).model_dump(), meta=p.meta, code=p.code)


class Page(BaseModel):
    total: int = Field(description="How many items match, over all pages.")
    limit: int
    offset: int
    page: int = Field(description="1-based page number of this answer (offset / limit + 1).")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class PatternPage(Page):
    items: list[PatternSummary]


class FactOut(BaseModel):
    category: str
    name: str
    value: str | None
    source: str = Field(description="`path:line` where it was found.")
    evidence: str
    origin: str = Field(description="`detected` or `team`.")

    @classmethod
    def of(cls, f: Fact) -> FactOut:
        return cls(
            category=f.category, name=f.name, value=f.value, source=f.source, evidence=f.evidence, origin=f.origin
        )


class FactPage(Page):
    items: list[FactOut]


# ---------------------------------------------------------------------- index jobs


class IndexSummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    root: str
    db_path: str
    files_seen: int
    indexed: int
    unchanged: int
    removed: int
    skipped: int = Field(description="How many files were skipped (see `brain index --json` for the list).")
    parse_errors: int
    lines: int
    patterns: int
    patterns_by_kind: dict[str, int]
    facts: int
    embedded: int
    seconds: float
    model: str


class IndexJobOut(BaseModel):
    id: str
    state: Literal["queued", "running", "succeeded", "failed"]
    stage: str | None = Field(description="`scan`, `extract`, `link` or `embed`.")
    stage_done: int
    stage_total: int
    files_done: int = Field(description="Files hashed and (if changed) parsed so far.")
    files_total: int = Field(description="Files considered (known once scanning has started).")
    created_at: str
    started_at: str | None
    finished_at: str | None
    report: IndexSummary | None
    error: str | None


# ---------------------------------------------------------------------- health


class JobRef(BaseModel):
    id: str
    state: str


class Health(BaseModel):
    status: Literal["ok", "not_indexed", "model_unavailable"]
    ready: bool = Field(description="True when queries can be answered.")
    detail: str | None = Field(description="Why not ready, and what to do.")
    version: str
    project: str
    root: str
    model: str
    model_loaded: bool
    schema_version: int | None
    files: int
    lines: int
    patterns: int
    patterns_by_kind: dict[str, int]
    facts: int
    last_indexed: str | None
    index_job: JobRef | None = Field(description="The latest index job of this server, if any.")
    uptime_seconds: float
    read_only: bool = Field(False, description="True when serving a snapshot (`brain serve --snapshot`).")


# ---------------------------------------------------------------------- curation

PATTERN_ID = r"^[0-9a-f]{12}$"
#: A usable path glob: no negation (`!`), no trailing backslash, no control characters, no
#: white space at either end (Python's and JSON Schema's idea of white space).
_GLOB_EDGE = r"[^!\\\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
GLOB = rf"^{_GLOB_EDGE}([^\x00-\x1f\x7f]*{_GLOB_EDGE})?$"
FACT_KEY = r"^([a-z][a-z0-9_]{0,39}:)?[a-z0-9][a-z0-9_.+\- ]{0,59}$"


class PatternRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=PATTERN_ID, description="A pattern id from /v1/patterns.")


class ExclusionTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str = Field(
        min_length=1,
        max_length=300,
        pattern=GLOB,
        description="A pattern id, or a path glob (gitignore syntax) like `legacy/**`.",
    )


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=PATTERN_ID)
    text: str = Field("", max_length=500, description="The note; empty removes it.")


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK})


class RuleRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=500, description="A rule id (or the rule's text).")


class TeamFactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(
        min_length=1, max_length=100, pattern=FACT_KEY, description="`category:name`, e.g. `database:postgresql`."
    )
    value: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK})

    @field_validator("value")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not re.search(NOT_BLANK, value):
            raise ValueError("must not be blank")
        return value


class TeamFactRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=100, pattern=FACT_KEY)


class CurationRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    path: str
    qualname: str
    content_hash: str
    pinned: bool
    excluded: bool
    note: str


class Rule(BaseModel):
    id: str
    text: str


class CurationOut(BaseModel):
    """Everything the team curated, as `brain status` summarises it."""

    model_config = ConfigDict(extra="allow")
    pins: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    exclusion_globs: list[str]
    notes: list[dict[str, Any]]
    rules: list[Rule]
    facts: list[dict[str, Any]]
    stale_pins: list[dict[str, Any]] = Field(description="Pins whose pattern changed or disappeared.")


class Changed(BaseModel):
    changed: bool
    detail: dict[str, Any] | None = None


# ---------------------------------------------------------------------- snapshots

#: A path inside the project: parts of 1-60 characters (so never too long a file name), no
#: control characters (the server also refuses any path that leaves the project, by `..`, as
#: an absolute path or through a symlink).
_PART = r"[^/\x00-\x1f\x7f]"
PROJECT_PATH = rf"^/?(?:{_PART}{{1,60}}/)*{_PART}{{1,60}}$"
SNAPSHOT_TARGET = rf"^/?(?:{_PART}{{1,60}}/)*{_PART}{{0,54}}\.jsonl$"
SNAPSHOT_PATH_FIELD = Field(
    min_length=1,
    max_length=500,
    pattern=PROJECT_PATH,
    description="A snapshot file inside the project, relative to its root (e.g. `.brain/snapshot.jsonl`); "
    "a path that leaves the project (absolute elsewhere, `..`, a symlink out) is refused with 403.",
)
ImportMode = Literal["merge", "replace"]


class SnapshotExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        pattern=SNAPSHOT_TARGET,
        description="Where to write, a `.jsonl` file inside the project (default `.brain/snapshot.jsonl`). An "
        "existing file is replaced only if it is a snapshot (else 409).",
    )
    vectors: bool = Field(
        True, strict=True, description="Include the embeddings (false: about half the size; loaders re-embed)."
    )


class SnapshotSummary(BaseModel):
    bytes: int
    counts: dict[str, int] = Field(description="Records of each type: file, pattern, vector, fact, ...")
    sha256: str = Field(description="sha256 of the whole file.")
    git_commit: str | None = Field(description="The project's commit when exported (null: not in a git repository).")
    git_dirty: bool | None = Field(
        description="Whether the project had uncommitted changes then (null: unknown, no git or repository)."
    )
    model: str | None = Field(description="The embedding model of the vectors (null without vectors).")


class SnapshotExportOut(SnapshotSummary):
    path: str = Field(description="The file written, relative to the project root.")


class SnapshotImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = SNAPSHOT_PATH_FIELD
    mode: ImportMode = Field(
        "merge",
        description="`merge`: keep local curation, add the team's, report conflicts (takes the snapshot's index "
        "only when the project has none); `replace`: swap in the snapshot's index and curation.",
    )


class ImportConflict(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["curation", "fact"]
    id: str | None = Field(None, description="The pattern id (curation conflicts).")
    key: str | None = Field(None, description="The fact key (fact conflicts).")
    field: str | None = Field(None, description="pinned, excluded or note (curation conflicts).")
    local: Any
    snapshot: Any
    kept: Literal["local"]


class SnapshotImportOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    mode: ImportMode
    index: Literal["snapshot", "local"] = Field(description="Whose index the store now holds.")
    patterns: int
    embedded: int = Field(description="Patterns embedded here (the snapshot had no vectors for the local model).")
    vectors: str = Field(description="`from snapshot`, `re-embedded` or `local`.")
    added: dict[str, int] = Field(description="Curated patterns, exclusions, rules and facts added.")
    conflicts: list[ImportConflict] = Field(description="Differences kept local (merge).")
    accepted: list[str] = Field(default_factory=list, description="Pins whose current code the team accepted (merge).")
    stale_pins: int


class SnapshotDiffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: str = SNAPSHOT_PATH_FIELD
    b: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        pattern=PROJECT_PATH,
        description="The newer snapshot file inside the project; default: the store the server answers from now.",
    )


class SnapshotHead(BaseModel):
    project: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    model: str | None = None
    last_indexed: str | None = None
    counts: dict[str, int] | None = None


class PatternChange(BaseModel):
    id: str
    kind: str
    qualname: str
    location: str = Field(description="path:start-end")


class PatternDiff(BaseModel):
    added: list[PatternChange]
    removed: list[PatternChange]
    changed: list[PatternChange] = Field(description="Same id, other code (content hash).")
    moved: list[PatternChange] = Field(description="Same code, other lines or file.")


class AddedRemoved(BaseModel):
    added: list[str]
    removed: list[str]


class ValueChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")
    from_: Any = Field(alias="from")
    to: Any


class FactDiff(AddedRemoved):
    changed: list[ValueChange] = Field(description="`{key, from, to, origin}` per fact whose value changed.")


class ConventionDiff(AddedRemoved):
    changed: list[ValueChange]


class CurationChange(ValueChange):
    id: str
    qualname: str
    path: str
    field: Literal["pinned", "excluded", "note"]


class SnapshotDiffOut(BaseModel):
    """What changed from snapshot `a` to `b`, as `brain snapshot diff` reports it."""

    model_config = ConfigDict(populate_by_name=True)
    from_: SnapshotHead = Field(alias="from")
    to: SnapshotHead
    identical: bool
    patterns: PatternDiff
    rules: AddedRemoved
    facts: FactDiff
    curation: list[CurationChange]
    exclusions: AddedRemoved
    conventions: ConventionDiff
    text: str = Field(description="The same, one change per line (`+` added, `-` removed, `~` changed, `>` moved).")
