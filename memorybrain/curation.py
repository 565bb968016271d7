"""Team curation: pins, exclusions, notes, rules and team facts, and what packs make of them.

Curation is data in the store (``curation``, ``exclusions``, ``rules`` tables; team facts are
``facts`` rows with ``origin = 'team'``), keyed by the stable pattern id, so it survives
re-indexing. Each curated pattern also remembers its path, qualname, kind and content hash
as they were when it was curated: a pin whose pattern's code changed since (content hash
differs) or whose pattern is gone (file deleted or definition renamed) is kept and reported
*stale* by ``stale_pins`` (and ``brain status``); ``brain pin ID`` again accepts the new code.

Precedence: an explicit pin beats an exclusion glob (pinning a pattern under ``legacy/**``
keeps it); pinning and excluding one id are exclusive (the later wins).

Packs (``memorybrain.pack``) call ``Curation.load`` once per request, then:

- ``filter_hits`` drops excluded patterns before anything is chosen;
- ``arrange`` removes excluded exemplars, puts each pinned pattern first among the
  exemplars of its kind (marked ``team_approved``) and attaches notes;
- ``team_conventions`` turns rules into conventions (shown first, marked as the team's);
- ``report`` says which pins, rules and facts the pack used and which it left out, and why;
  ``fit`` keeps that record (shrunk by ``compact`` when needed) within the pack's budget.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pathspec

from memorybrain.errors import PatternNotFoundError, RequestError
from memorybrain.models import Fact, Pattern

if TYPE_CHECKING:
    from memorybrain.pack import Exemplar, Pack
    from memorybrain.store import Store

__all__ = [
    "ENDPOINT_KINDS",
    "MAX_FACT_CHARS",
    "MAX_GLOB_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_RULES",
    "MAX_RULE_CHARS",
    "Curation",
    "check_glob",
    "compact",
    "exclude",
    "fact_set",
    "fact_unset",
    "include",
    "is_pattern_id",
    "note",
    "parse_fact_key",
    "pin",
    "relevant_kinds",
    "report_markdown",
    "resolve",
    "rule_add",
    "rule_id",
    "rule_remove",
    "stale_pins",
    "summary",
    "unpin",
]

MAX_RULE_CHARS = 500
MAX_NOTE_CHARS = 500
MAX_FACT_CHARS = 200
MAX_GLOB_CHARS = 300
MAX_RULES = 200

_ID = re.compile(r"^[0-9a-f]{12}$")
_FACT_PART = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TEAM_SOURCE = "team"


def is_pattern_id(text: str) -> bool:
    return bool(_ID.match(text))


_HEX_PREFIX = re.compile(r"^[0-9a-f]{4,11}$")
_LINES = re.compile(r"^(\d+)(?:-\d+)?$")


def resolve(store: Store, ref: str, *, glob_ok: bool = False) -> str | None:
    """The pattern id ``ref`` names: a full id, a unique id prefix (4+ hex digits), or
    ``path:qualname`` / ``path:line`` as ``brain patterns`` prints them (``app/deps.py:get_user``,
    ``app/deps.py:14-50``). Curated patterns that are gone (stale pins) resolve too.

    With ``glob_ok`` a ref that names no pattern is not an error: ``None`` (a path glob).
    """
    ref = ref.strip()
    if is_pattern_id(ref):
        return ref
    if _HEX_PREFIX.match(ref):
        found = store.pattern_refs(id_prefix=ref)
        if len(found) == 1:
            return str(found[0]["id"])
        if len(found) > 1:
            raise _ambiguous(ref, found, "give more of the id")
        if glob_ok:
            return None
        raise PatternNotFoundError(f"no pattern id starts with {ref!r}", hint="see `brain patterns` for ids")
    path, sep, name = ref.rpartition(":")
    if sep and path and name:
        in_file = store.pattern_refs(path=path)
        if in_file:
            m = _LINES.match(name)
            if m:
                found = [r for r in in_file if r["start_line"] == int(m.group(1))]
            else:
                found = [r for r in in_file if r["qualname"] == name or r["qualname"].endswith(f".{name}")]
            exact = [r for r in found if r["qualname"] == name]
            found = exact or found
            if len(found) == 1:
                return str(found[0]["id"])
            if len(found) > 1:
                raise _ambiguous(ref, found, "give the id, or path:start_line")
            names = ", ".join(sorted({str(r["qualname"]) for r in in_file})[:12])
            raise PatternNotFoundError(f"{path} has no pattern {name!r}", hint=f"its patterns: {names}")
    if glob_ok:
        return None
    raise PatternNotFoundError(
        f"no pattern with id {ref!r}",
        hint="give an id (or a unique start of one) or path:qualname, as `brain patterns` shows them",
    )


def _ambiguous(ref: str, found: list[dict[str, Any]], hint: str) -> RequestError:
    shown = "; ".join(
        f"{r['id']} {r['kind']} {r['qualname']} ({r['path']}{':' + str(r['start_line']) if r['start_line'] else ''})"
        for r in found[:8]
    )
    more = f" and {len(found) - 8} more" if len(found) > 8 else ""
    return RequestError(f"{ref!r} names {len(found)} patterns: {shown}{more}", hint=hint)


def _clean_text(text: str, what: str, limit: int) -> str:
    text = " ".join(str(text).split())
    if not text:
        raise RequestError(f"the {what} is empty")
    if len(text) > limit:
        raise RequestError(f"the {what} is longer than {limit} characters ({len(text)})")
    return text


def rule_id(text: str) -> str:
    """A rule's id: the first 8 hex digits of the sha1 of its text (same text, same id)."""
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def check_glob(glob: str) -> str:
    """A path glob (gitignore syntax, relative to the project root), refused if unusable."""
    glob = glob.strip()
    if not glob:
        raise RequestError("the exclusion is empty", hint="give a pattern id or a path glob like 'legacy/**'")
    if len(glob) > MAX_GLOB_CHARS or "\0" in glob or "\n" in glob:
        raise RequestError(f"not a usable path glob: {glob[:60]!r}")
    try:
        pathspec.GitIgnoreSpec.from_lines([glob]).match_file("x.py")
    except Exception as e:  # noqa: BLE001 - pathspec's errors have no common base worth naming
        raise RequestError(f"not a usable path glob {glob!r}: {e}") from None
    return glob


def _row(p: Pattern, old: dict[str, Any] | None) -> dict[str, Any]:
    old = old or {}
    return {
        "id": p.id,
        "kind": p.kind,
        "path": p.path,
        "qualname": p.qualname,
        "content_hash": p.content_hash(),
        "pinned": bool(old.get("pinned")),
        "excluded": bool(old.get("excluded")),
        "note": old.get("note") or "",
    }


def _current(store: Store, pattern_id: str) -> dict[str, Any] | None:
    return next((r for r in store.curation() if r["id"] == pattern_id), None)


# ---------------------------------------------------------------------- operations


def pin(store: Store, pattern_id: str) -> dict[str, Any]:
    """Pin a pattern (again: accept its current code, clearing a stale flag)."""
    pattern_id = str(resolve(store, pattern_id))
    p = store.get_pattern(pattern_id)
    row = _row(p, _current(store, pattern_id))
    row.update(pinned=True, excluded=False)
    store.set_curation(row)
    return row


def unpin(store: Store, pattern_id: str) -> bool:
    row = _current(store, str(resolve(store, pattern_id)))
    if row is None or not row["pinned"]:
        return False
    store.set_curation({**row, "pinned": False})
    return True


def exclude(store: Store, target: str) -> dict[str, Any]:
    """Exclude a pattern id or every pattern under a path glob from packs."""
    target = target.strip()
    target = resolve(store, target, glob_ok=True) or target
    if is_pattern_id(target):
        try:
            p = store.get_pattern(target)
        except PatternNotFoundError:
            raise PatternNotFoundError(
                f"no pattern with id {target!r}", hint="see `brain patterns` for ids, or give a path glob"
            ) from None
        row = _row(p, _current(store, target))
        row.update(excluded=True, pinned=False)
        store.set_curation(row)
        return {"kind": "id", "target": target, "changed": True, "patterns": 1}
    glob = check_glob(target)
    changed = store.add_exclusion_glob(glob)
    spec = pathspec.GitIgnoreSpec.from_lines([glob])
    matched = len(store.ids_under(p for p in store.pattern_paths() if spec.match_file(p)))
    return {"kind": "glob", "target": glob, "changed": changed, "patterns": matched}


def include(store: Store, target: str) -> dict[str, Any]:
    """Undo ``exclude`` (an id or a glob given before); ``changed`` is false if it was not excluded."""
    target = target.strip()
    if target not in store.exclusion_globs():
        target = resolve(store, target, glob_ok=True) or target
    if is_pattern_id(target):
        row = _current(store, target)
        changed = bool(row and row["excluded"])
        if row and changed:
            store.set_curation({**row, "excluded": False})
        path = (row or {}).get("path") or next((str(r["path"]) for r in store.pattern_refs(id_prefix=target)), "")
        globs = [g for g in store.exclusion_globs() if path and pathspec.GitIgnoreSpec.from_lines([g]).match_file(path)]
        pinned = bool(row and row["pinned"])
        # still kept out by a glob (unless pinned): say which, so the user knows what to do
        return {"kind": "id", "target": target, "changed": changed, "by_globs": [] if pinned else globs}
    changed = store.remove_exclusion_glob(target)
    return {"kind": "glob", "target": target, "changed": changed, "globs": store.exclusion_globs()}


def note(store: Store, pattern_id: str, text: str | None) -> dict[str, Any] | None:
    """Attach (or with empty ``text``, remove) the note shown with a pattern in packs."""
    pattern_id = str(resolve(store, pattern_id))
    old = _current(store, pattern_id)
    if not text or not text.strip():
        if old is None:
            return None
        store.set_curation({**old, "note": ""})
        return None
    text = _clean_text(text, "note", MAX_NOTE_CHARS)
    if old is not None and not _exists(store, pattern_id):
        row = {**old, "note": text}  # a note on a stale pin may still be edited
    else:
        row = _row(store.get_pattern(pattern_id), old)
        if old is not None:
            row["content_hash"] = old["content_hash"]  # a note does not accept changed code
        row["note"] = text
    store.set_curation(row)
    return row


def _exists(store: Store, pattern_id: str) -> bool:
    return bool(store.pattern_hashes([pattern_id]))


def rule_add(store: Store, text: str) -> dict[str, Any]:
    text = _clean_text(text, "rule", MAX_RULE_CHARS)
    if len(store.rules()) >= MAX_RULES:
        raise RequestError(f"a project may have at most {MAX_RULES} rules")
    rid = rule_id(text)
    added = store.add_rule(rid, text)
    return {"id": rid, "text": text, "added": added}


def rule_remove(store: Store, ref: str) -> dict[str, Any] | None:
    """Remove a rule by id (or by its exact text); None when there is no such rule."""
    rules = store.rules()
    match = [r for r in rules if r["id"] == ref.strip() or r["text"] == " ".join(ref.split())]
    if not match:
        return None
    store.remove_rule(match[0]["id"])
    return match[0]


def parse_fact_key(key: str) -> tuple[str, str]:
    """``category:name`` (or a bare ``name``, category ``other``), lower case."""
    category, _, name = key.strip().lower().rpartition(":")
    category = category or "other"
    if not _FACT_PART.match(category) or not re.match(r"^[a-z0-9][a-z0-9_.+\- ]{0,59}$", name):
        raise RequestError(
            f"not a fact key: {key!r}", hint="use category:name, e.g. database:postgresql or auth:oauth2"
        )
    return category, name


def fact_set(store: Store, key: str, value: str) -> Fact:
    category, name = parse_fact_key(key)
    value = _clean_text(value, "fact value", MAX_FACT_CHARS)
    fact = Fact(category, name, value, TEAM_SOURCE, 0, "written by the team", origin="team")
    store.set_team_fact(fact)
    return fact


def fact_unset(store: Store, key: str) -> bool:
    category, name = parse_fact_key(key)
    return store.unset_team_fact(f"{category}:{name}")


# ---------------------------------------------------------------------- reading


def stale_pins(store: Store) -> list[dict[str, Any]]:
    """Pins whose pattern changed (content hash differs) or is gone (file or definition removed)."""
    rows = [r for r in store.curation() if r["pinned"]]
    hashes = store.pattern_hashes(r["id"] for r in rows)
    out = []
    for r in rows:
        now = hashes.get(r["id"])
        if now is None:
            out.append({**r, "stale": "missing", "why": f"{r['path']} no longer has `{r['qualname']}`"})
        elif now != r["content_hash"]:
            out.append({**r, "stale": "changed", "why": "its code changed since it was pinned"})
    return out


def summary(store: Store) -> dict[str, Any]:
    """Everything curated, for ``brain status``/``GET /v1/curation``."""
    rows = store.curation()
    stale = {s["id"]: s for s in stale_pins(store)}
    team = [f for f in store.facts() if f.origin == "team"]
    return {
        "pins": [{**r, "stale": stale.get(r["id"], {}).get("stale")} for r in rows if r["pinned"]],
        "excluded": [r for r in rows if r["excluded"]],
        "exclusion_globs": store.exclusion_globs(),
        "notes": [r for r in rows if r["note"]],
        "rules": store.rules(),
        "facts": [{"key": f.key, "category": f.category, "name": f.name, "value": f.value} for f in team],
        "stale_pins": list(stale.values()),
    }


# The kinds an endpoint needs: a pin of one of these is relevant to any endpoint request.
ENDPOINT_KINDS = frozenset(
    ("route", "dependency", "decorator", "error_handler", "exception", "schema", "model", "pagination", "test")
)
_PIN_KIND_ORDER = (
    "route",
    "dependency",
    "decorator",
    "error_handler",
    "exception",
    "schema",
    "model",
    "pagination",
    "test",
    "middleware",
    "function",
    "class",
)
_KIND_ORDER = {k: i for i, k in enumerate(_PIN_KIND_ORDER)}
_ENDPOINT_WORDS = re.compile(
    r"\b(?:end ?points?|routes?|apis?|views?|handlers?|crud|resources?|rest(?:ful)?|graphql|urls?|pages?|"
    r"webhooks?|forms?|http)\b|\b(?-i:GET|POST|PUT|PATCH|DELETE)\b",  # methods in capitals: "delete" is a verb
    re.I,
)
# Requests about something other than an endpoint: only pins named by kind (or by name) join.
_OTHER_WORDS = re.compile(
    r"\b(?:migrations?|alembic|cli|commands?|celery|tasks?|jobs?|cron|scripts?|signals?|settings|"
    r"config(?:uration)?|templates?|css|docs?|readme|tests?|testing|fixtures?|middlewares?|logging)\b",
    re.I,
)
_KIND_WORDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\btest|\bfixture", re.I), ("test",)),
    (re.compile(r"\bmiddleware|\brequest hooks?\b|\bbefore_request|\bafter_request", re.I), ("middleware",)),
    (re.compile(r"\bmodels?\b|\btables?\b|\bcolumns?\b|\bmigrat", re.I), ("model", "schema")),
    (re.compile(r"\bschemas?\b|\bserializ|\bvalidat|\bforms?\b|\bpayload", re.I), ("schema",)),
    (re.compile(r"\berrors?\b|\bexceptions?\b|\bstatus codes?\b", re.I), ("error_handler", "exception")),
    (
        re.compile(r"\bauth|\blog ?in\b|\bpermission|\broles?\b|\btokens?\b|\bsession", re.I),
        ("dependency", "decorator"),
    ),
    (re.compile(r"\bpaginat|\bpages?\b|\bcursor", re.I), ("pagination",)),
)


def relevant_kinds(request: str) -> frozenset[str]:
    """The kinds of pinned pattern a request should see even when retrieval picked none of them.

    Every kind an endpoint needs for an endpoint request (one that names an endpoint, or names
    nothing else: most requests to a web codebase are endpoints), plus the kinds a request names
    ("...with a test", "...middleware").
    """
    kinds: set[str] = set()
    if _ENDPOINT_WORDS.search(request) or not _OTHER_WORDS.search(request):
        kinds |= ENDPOINT_KINDS
    for words, named in _KIND_WORDS:
        if words.search(request):
            kinds.update(named)
    return frozenset(kinds)


def _named_in(p: Pattern, request: str) -> bool:
    """The request names the pattern (``format_money``, ``FormatMoney`` and "format money" alike)."""
    name = p.qualname.rsplit(".", 1)[-1]
    if len(name) < 4:  # `get`, `run`: too common a word to be a name
        return False
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", name)]
    if name.lower() in {w.lower() for w in re.findall(r"\w+", request)}:
        return True
    text = " ".join(re.findall(r"[a-z0-9]+", request.lower().replace("_", " ")))
    return bool(words) and f" {' '.join(words)} " in f" {text} "


@dataclass
class Curation:
    """The curation a pack applies, read once per request."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    hashes: dict[str, str] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    team_facts: list[Fact] = field(default_factory=list)
    irrelevant: dict[str, str] = field(default_factory=dict)  # pins ``arrange`` left out, and why

    @classmethod
    def load(cls, store: Store) -> Curation:
        rows = {r["id"]: r for r in store.curation()}
        cur = cls(rows=rows, rules=store.rules())
        cur.team_facts = [f for f in store.facts() if f.origin == "team"]
        cur.excluded = {i for i, r in rows.items() if r["excluded"]}
        globs = store.exclusion_globs()
        if globs:
            spec = pathspec.GitIgnoreSpec.from_lines(globs)  # matched per file, not per pattern
            cur.excluded |= set(store.ids_under(p for p in store.pattern_paths() if spec.match_file(p)))
        pins = cur.pinned()
        cur.excluded -= set(pins)
        cur.hashes = store.pattern_hashes(pins) if pins else {}
        return cur

    @property
    def empty(self) -> bool:
        return not (self.rows or self.excluded or self.rules or self.team_facts)

    def pinned(self) -> list[str]:
        return [i for i, r in self.rows.items() if r["pinned"]]

    def filter_hits(self, hits: list[Any]) -> list[Any]:
        return [h for h in hits if h.id not in self.excluded] if self.excluded else hits

    def team_conventions(self) -> list[dict[str, Any]]:
        return [
            {"key": f"team:{r['id']}", "topic": "team", "statement": r["text"], "data": {}, "origin": "team"}
            for r in self.rules
        ]

    def arrange(self, exemplars: list[Exemplar], patterns: dict[str, Pattern], request: str = "") -> list[Exemplar]:
        """Exclusions out; pinned patterns first among their kind, marked; notes attached.

        ``patterns`` holds the pinned patterns (id -> Pattern) that still exist. A pin goes into
        the pack when the pack has an exemplar of its kind, when its kind is relevant to
        ``request`` (``relevant_kinds``: every kind an endpoint needs, for an endpoint request)
        or when the request names it. Relevant pins lead: pinned routes first, the others right
        after the closest route, ahead of what retrieval chose, so a normal budget keeps them;
        a pin of another kind only moves first among the exemplars of its kind.
        """
        from memorybrain.pack import Exemplar

        out = [ex for ex in exemplars if ex.pattern.id not in self.excluded]
        kinds = {ex.pattern.kind for ex in out}
        relevant = relevant_kinds(request)
        pins = sorted(
            (p for pid, p in patterns.items() if self.rows.get(pid, {}).get("pinned")),
            key=lambda p: (_KIND_ORDER.get(p.kind, 99), p.path, p.start_line, p.id),
        )
        chosen: list[Exemplar] = []
        for p in pins:
            at = next((i for i, ex in enumerate(out) if ex.pattern.id == p.id), None)
            promote = p.kind in relevant or _named_in(p, request)
            if not promote and p.kind not in kinds:
                self.irrelevant[p.id] = f"{p.kind} is not a kind this request needs"
                continue
            first = next((i for i, e in enumerate(out) if e.pattern.kind == p.kind), 0)  # <= at
            if at is not None:  # retrieval chose it too
                ex = out.pop(at)
                ex.reason = f"pinned by the team; {ex.reason}"
            else:
                reason = f"pinned by the team as the {p.kind} to follow"
                ex = Exemplar(pattern=p, role=f"pinned {p.kind}", reason=reason)
            if promote:
                chosen.append(ex)
            else:  # another kind of request: first among its kind, where retrieval put that kind
                out.insert(first, ex)
        routes = [ex for ex in chosen if ex.pattern.kind == "route"]
        others = [ex for ex in chosen if ex.pattern.kind != "route"]
        lead = 1 if not routes and out and out[0].pattern.kind == "route" else 0
        out = routes + out[:lead] + others + out[lead:]
        for ex in out:
            row = self.rows.get(ex.pattern.id)
            if row:
                ex.team_approved = bool(row["pinned"])
                ex.note = row["note"] or ""
                ex.stale = bool(row["pinned"]) and self.hashes.get(ex.pattern.id) not in (None, row["content_hash"])
        return out

    def fit(self, pack: Pack, fmt: str, offered: set[str]) -> None:
        """Set ``pack.curation`` and keep the pack within its budget: the record shrinks first
        (texts, then counts only), then exemplars go, then the fixed sections."""
        from memorybrain.tokens import count_tokens

        level = 0
        pack.curation = self.report(pack, offered)
        while count_tokens(pack.render(fmt)) > pack.budget:
            if level < 2:
                level += 1
            elif pack.exemplars:
                pack.exemplars.pop()
            elif pack.conventions:
                pack.conventions.pop()
            elif pack.stack:
                pack.stack.pop()
            elif pack.checklist:
                pack.checklist.pop()
            else:
                break
            pack.curation = compact(self.report(pack, offered), level)

    def report(self, pack: Pack, offered: set[str]) -> dict[str, Any]:
        """Which pins, rules and facts went into ``pack`` and which were left out, and why.

        ``offered`` are the ids of pinned patterns that were candidates for this pack.
        """
        used: list[dict[str, Any]] = []
        left: list[dict[str, Any]] = []
        shown = {ex.pattern.id for ex in pack.exemplars}
        for pid in sorted(self.pinned(), key=lambda i: (self.rows[i]["path"], self.rows[i]["qualname"], i)):
            r = self.rows[pid]
            entry = {"type": "pin", "id": pid, "name": r["qualname"], "path": r["path"]}
            if pid in shown:
                used.append(entry)
            elif pid not in self.hashes:
                left.append({**entry, "why": "pattern missing (stale pin)"})
            elif pid in offered:
                left.append({**entry, "why": "budget"})
            else:
                why = self.irrelevant.get(pid) or f"no {r['kind']} exemplar in this pack"
                left.append({**entry, "why": why})
        keys = {c["key"] for c in pack.conventions}
        for r in self.rules:
            entry = {"type": "rule", "id": r["id"], "text": r["text"]}
            if f"team:{r['id']}" in keys:
                used.append(entry)
            else:
                left.append({**entry, "why": "budget"})
        stack = {f.key for f in pack.stack}
        for f in self.team_facts:
            entry = {"type": "fact", "key": f.key, "value": f.value}
            if f.key in stack:
                used.append(entry)
            else:
                left.append({**entry, "why": "budget"})
        notes = [{"type": "note", "id": ex.pattern.id} for ex in pack.exemplars if ex.note]
        return {"used": used + notes, "left_out": left, "excluded_patterns": len(self.excluded)}


def compact(report: dict[str, Any], level: int) -> dict[str, Any]:
    """A smaller record for a tight budget: 1 drops texts (ids stay), 2 keeps counts only."""
    if level <= 0:
        return report
    if level == 1:
        keep = ("type", "id", "key", "why")
        return {
            **report,
            "used": [{k: e[k] for k in keep if k in e} for e in report["used"]],
            "left_out": [{k: e[k] for k in keep if k in e} for e in report["left_out"]],
        }
    used: dict[str, int] = {}
    left: dict[tuple[str, str], int] = {}
    for e in report["used"]:
        used[e["type"]] = used.get(e["type"], 0) + 1
    for e in report["left_out"]:
        left[(e["type"], e["why"])] = left.get((e["type"], e["why"]), 0) + 1
    return {
        "used": [{"type": t, "count": n} for t, n in used.items()],
        "left_out": [{"type": t, "why": w, "count": n} for (t, w), n in left.items()],
        "excluded_patterns": report["excluded_patterns"],
    }


def report_markdown(report: dict[str, Any]) -> str:
    """The pack's closing "Team curation" section (empty when nothing is curated)."""

    def label(e: dict[str, Any]) -> str:
        if "count" in e:
            return f"{e['count']} {e['type']}{'s' if e['count'] != 1 else ''}"
        if e["type"] == "pin" and "name" not in e:
            return f"pin {e['id']}"
        if e["type"] == "pin":
            return f"pin `{e['name']}` ({e['path']})"
        if e["type"] == "rule":
            return f"rule {e['id']}"
        if e["type"] == "fact":
            return f"fact {e['key']}"
        return f"note on {e['id']}"

    lines = ["## Team curation"]
    lines.append("- used: " + (", ".join(label(e) for e in report["used"]) or "nothing"))
    if report["left_out"]:
        lines.append("- left out: " + ", ".join(f"{label(e)} — {e['why']}" for e in report["left_out"]))
    if report["excluded_patterns"]:
        lines.append(f"- {report['excluded_patterns']} excluded patterns never shown")
    return "\n".join(lines) + "\n"
