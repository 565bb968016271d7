"""Team curation and snapshots: ``brain pin/unpin/exclude/include/note``, ``brain rule ...``,
``brain fact ...``, ``brain snapshot export/import/diff`` and ``brain export``.

Each command parses its arguments, calls one ``Brain`` method and prints the result.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.options import DbOpt, JsonOpt, ProjectOpt
from cli.output import errors_to_exit, fail

__all__ = ["exclude", "export", "fact_app", "include", "note", "pin", "rule_app", "snapshot_app", "unpin"]

IdArg = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="A pattern id from `brain patterns`, a unique start of one (4+ digits), or path:qualname.",
    ),
]


def _open(project: Path | None, db: str | None, **overrides: object) -> Any:
    from memorybrain import Brain

    db_path = str(Path(db).expanduser().resolve()) if db else None
    return Brain.open(project, db=db_path, **overrides)


def _echo_json(value: object) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------- pins, exclusions, notes


def pin(pattern_id: IdArg, project: ProjectOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Pin a pattern: first among the exemplars of its kind in packs, marked team-approved.

    Pinning again accepts the pattern's current code (clears a stale pin).

    Examples:

      brain pin 3f2a9c1b7d4e

      brain pin app/api/deps.py:get_current_user
    """
    with errors_to_exit():
        row = _open(project, db).pin(pattern_id)
        if as_json:
            _echo_json(row)
            return
        typer.echo(f"pinned {row['kind']} {row['qualname']} ({row['path']})")


def unpin(pattern_id: IdArg, project: ProjectOpt = None, db: DbOpt = None) -> None:
    """Remove a pin.

    Example:

      brain unpin 3f2a9c1b7d4e
    """
    with errors_to_exit():
        changed = _open(project, db).unpin(pattern_id)
        if not changed:  # like `include`, `rule remove` and `fact unset`: nothing to undo is an error
            raise fail(f"{pattern_id} was not pinned", 1)
        typer.echo(f"unpinned {pattern_id}")


def exclude(
    target: Annotated[
        str, typer.Argument(metavar="ID|GLOB", help="A pattern id (or path:qualname), or a path glob like 'legacy/**'.")
    ],
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Keep a pattern, or every pattern under a path glob (gitignore syntax), out of packs.

    Examples:

      brain exclude 'app/legacy/**'

      brain exclude 3f2a9c1b7d4e
    """
    with errors_to_exit():
        result = _open(project, db).exclude(target)
        if as_json:
            _echo_json(result)
            return
        n = result["patterns"]
        typer.echo(f"excluded {result['target']} ({n} pattern{'s' if n != 1 else ''} now)")
        if result["kind"] == "glob" and not n:
            typer.echo(
                "warning: no indexed file matches it yet (globs are relative to the project root, "
                "gitignore syntax: 'legacy/**', '**/v1/*.py')",
                err=True,
            )


def include(
    target: Annotated[str, typer.Argument(metavar="ID|GLOB", help="An excluded id or an exclusion glob.")],
    project: ProjectOpt = None,
    db: DbOpt = None,
) -> None:
    """Undo `brain exclude`.

    Example:

      brain include 'app/legacy/**'
    """
    with errors_to_exit():
        result = _open(project, db).include(target)
        by_globs = ", ".join(repr(g) for g in result.get("by_globs") or [])
        if result["changed"]:
            typer.echo(f"included {result['target']}")
            if by_globs:
                typer.echo(
                    f"warning: still excluded by the glob {by_globs} (`brain pin {result['target']}` keeps "
                    "it in packs)",
                    err=True,
                )
        elif by_globs:
            raise fail(
                f"{result['target']} is excluded by the glob {by_globs}, not by its id: `brain include GLOB` "
                f"drops the glob, `brain pin {result['target']}` keeps just this pattern",
                1,
            )
        else:
            globs = ", ".join(result.get("globs") or []) or "none"
            extra = f" (exclusion globs: {globs})" if result["kind"] == "glob" else ""
            raise fail(f"{result['target']} was not excluded{extra}", 1)


def note(
    pattern_id: IdArg,
    text: Annotated[str, typer.Argument(help="The note (empty to remove it).")] = "",
    remove: Annotated[bool, typer.Option("--remove", help="Remove the note.")] = False,
    project: ProjectOpt = None,
    db: DbOpt = None,
) -> None:
    """Attach a note shown with the pattern in packs.

    Examples:

      brain note 3f2a9c1b7d4e "use this one, not the v1 handler"

      brain note 3f2a9c1b7d4e --remove
    """
    with errors_to_exit():
        row = _open(project, db).note(pattern_id, None if remove else text)
        typer.echo(f"note on {pattern_id}: {row['note']}" if row else f"no note on {pattern_id}")


# ---------------------------------------------------------------------- rules and facts

rule_app = typer.Typer(help="The team's hand-written conventions, shown first in every pack.", no_args_is_help=True)


@rule_app.command("add")
def rule_add(
    text: Annotated[str, typer.Argument(help="The rule, e.g. 'All new endpoints use @rate_limit'.")],
    project: ProjectOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a rule.

    Example:

      brain rule add "All new endpoints use @rate_limit"
    """
    with errors_to_exit():
        r = _open(project, db).rule_add(text)
        typer.echo(f"{'added' if r['added'] else 'already there'}: {r['id']}  {r['text']}")


@rule_app.command("list")
def rule_list(project: ProjectOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List the rules with their ids."""
    with errors_to_exit():
        rules = _open(project, db).rules()
        if as_json:
            _echo_json(rules)
            return
        if not rules:
            typer.echo('no rules yet (brain rule add "...")', err=True)
        for r in rules:
            typer.echo(f"{r['id']}  {r['text']}")


@rule_app.command("remove")
def rule_remove(
    ref: Annotated[str, typer.Argument(metavar="ID", help="A rule id from `brain rule list` (or its text).")],
    project: ProjectOpt = None,
    db: DbOpt = None,
) -> None:
    """Remove a rule."""
    with errors_to_exit():
        r = _open(project, db).rule_remove(ref)
        if r is None:
            raise fail(f"no rule {ref!r} (see `brain rule list` for ids)", 1)
        typer.echo(f"removed {r['id']}  {r['text']}")


fact_app = typer.Typer(help="Hand-written stack facts, shown first in the pack's stack.", no_args_is_help=True)


@fact_app.command("set")
def fact_set(
    key: Annotated[str, typer.Argument(help="category:name, e.g. database:postgresql (bare name: other).")],
    value: Annotated[str, typer.Argument(help="The value, e.g. '16, one schema per tenant'.")],
    project: ProjectOpt = None,
    db: DbOpt = None,
) -> None:
    """Set a team fact (it wins over a detected fact with the same key).

    Example:

      brain fact set database:postgresql "16, one schema per tenant"
    """
    with errors_to_exit():
        f = _open(project, db).fact_set(key, value)
        typer.echo(f"set {f.key} = {f.value}")


@fact_app.command("unset")
def fact_unset(
    key: Annotated[str, typer.Argument(help="category:name of a team fact.")],
    project: ProjectOpt = None,
    db: DbOpt = None,
) -> None:
    """Remove a team fact."""
    with errors_to_exit():
        changed = _open(project, db).fact_unset(key)
        if not changed:
            raise fail(f"no team fact {key} (see `brain facts`)", 1)
        typer.echo(f"unset {key}")


# ---------------------------------------------------------------------- snapshots

snapshot_app = typer.Typer(
    help="Share the curated state with the team through one committed file.", no_args_is_help=True
)


@snapshot_app.command("export")
def snapshot_export(
    path: Annotated[
        Path | None, typer.Argument(help="Where to write (default: .brain/snapshot.jsonl under the project).")
    ] = None,
    no_vectors: Annotated[
        bool, typer.Option("--no-vectors", help="Leave the embeddings out (smaller; importers re-embed).")
    ] = False,
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the snapshot: patterns, file metadata, facts, conventions, curation, rules, vectors.

    Deterministic (the same store gives the same bytes), sorted, one record per line.

    Examples:

      brain snapshot export

      brain snapshot export team/brain.jsonl --no-vectors
    """
    with errors_to_exit():
        target = path.expanduser().resolve() if path else None
        info = _open(project, db).export_snapshot(target, vectors=not no_vectors)
        if as_json:
            _echo_json(info)
            return
        c = info["counts"]
        typer.echo(
            f"wrote {info['path']} ({info['bytes']} bytes): {c['pattern']} patterns, {c['vector']} vectors, "
            f"{c['curation']} curated, {c['rule']} rules, {c['fact']} facts; sha256 {info['sha256'][:12]}"
        )
        if info.get("git_dirty"):
            typer.echo(
                f"note: the work tree has uncommitted changes since {info['git_commit'][:12]}: the snapshot says "
                "so (git_dirty); commit, index and export again for one that matches a commit",
                err=True,
            )


@snapshot_app.command("import")
def snapshot_import(
    path: Annotated[Path, typer.Argument(help="A snapshot file.")],
    merge: Annotated[
        bool, typer.Option("--merge", help="Keep local curation, add the team's, report conflicts (default).")
    ] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Swap in the team's index and curation.")] = False,
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a snapshot into this project's store, validated first, in one transaction.

    Examples:

      brain snapshot import .brain/snapshot.jsonl

      brain snapshot import team.jsonl --replace
    """
    with errors_to_exit():
        from memorybrain.errors import RequestError

        if merge and replace:
            raise RequestError("choose --merge or --replace, not both")
        report = _open(project, db).import_snapshot(path.expanduser().resolve(), mode="replace" if replace else "merge")
        if as_json:
            _echo_json(report)
            return
        added = report.get("added", {})
        typer.echo(
            f"imported ({report['mode']}): index from the {report['index']}, {report['patterns']} patterns, "
            f"vectors {report['vectors']}; added {added.get('curation', 0)} curated patterns, "
            f"{added.get('rules', 0)} rules, {added.get('facts', 0)} facts, {added.get('exclusions', 0)} exclusions"
        )
        for c in report["conflicts"]:
            what = c.get("id") or c.get("key")
            typer.echo(
                f"conflict: {c['type']} {what} {c.get('field', 'value')}: local {c['local']!r}, "
                f"snapshot {c['snapshot']!r} (kept local)"
            )
        for pid in report.get("accepted") or []:
            typer.echo(f"pin {pid}: the team accepted its current code (no longer stale)")
        if report.get("stale_pins"):
            typer.echo(f"{report['stale_pins']} stale pin(s): see `brain status`")


@snapshot_app.command("diff")
def snapshot_diff(
    a: Annotated[Path, typer.Argument(metavar="A", help="The older snapshot.")],
    b: Annotated[Path, typer.Argument(metavar="B", help="The newer snapshot.")],
    as_json: JsonOpt = False,
) -> None:
    """Show what changed between two snapshots: patterns, rules, facts, curation, conventions.

    Example:

      brain snapshot diff old.jsonl .brain/snapshot.jsonl
    """
    with errors_to_exit():
        from memorybrain import snapshot

        d = snapshot.diff(snapshot.read(a.expanduser()), snapshot.read(b.expanduser()))
        if as_json:
            _echo_json(d)
            return
        typer.echo(snapshot.diff_text(d), nl=False)


def export(
    target: Annotated[str, typer.Argument(metavar="TARGET", help="agents-md, claude-md or cursor-rules.")],
    path: Annotated[
        Path | None, typer.Option("--path", help="Another file inside the project (default: the tool's usual one).")
    ] = None,
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the curated conventions into AGENTS.md, CLAUDE.md or .cursor/rules/memorybrain.mdc.

    Only the marked memorybrain section is written (replaced on the next export); the rest
    of the file is left exactly as it was.

    Examples:

      brain export agents-md

      brain export cursor-rules
    """
    with errors_to_exit():
        result = _open(project, db).export_rules(target, path)
        if as_json:
            _echo_json(result)
            return
        state = "wrote" if result["changed"] else "unchanged:"
        typer.echo(f"{state} {result['path']} ({result['section_chars']} of {result['limit_chars']} characters)")
        for item in result["left_out"]:
            typer.echo(f"left out for the size limit: {item}", err=True)
        for w in result["warnings"]:
            typer.echo(f"warning: {w}", err=True)


def register(app: typer.Typer) -> None:
    for command in (pin, unpin, exclude, include, note, export):
        app.command()(command)
    app.add_typer(rule_app, name="rule")
    app.add_typer(fact_app, name="fact")
    app.add_typer(snapshot_app, name="snapshot")
