"""``brain``: index a Python web project and print context packs for coding assistants.

Each command parses its arguments, calls one library method, and turns the library's errors
into a one-line message with a non-zero exit code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.options import DbOpt, JsonOpt, ProjectOpt
from cli.output import errors_to_exit, progress_bar

app = typer.Typer(
    name="brain",
    help="Project memory for coding assistants: index a Python web codebase, then ask for "
    "a context pack that shows how *this* project does things.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from memorybrain import __version__

        typer.echo(f"brain (memorybrain) {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Project memory for coding assistants."""


def _open(project: Path | None, db: str | None, **overrides: object):  # type: ignore[no-untyped-def]
    from memorybrain import Brain

    # --db is relative to where the user is, not to the project
    db_path = str(Path(db).expanduser().resolve()) if db else None
    return Brain.open(project, db=db_path, **overrides)


@app.command()
def index(
    path: Annotated[Path, typer.Argument(help="Project root to index.")] = Path("."),
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what would be indexed, per top-level folder; change nothing."),
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Only index paths matching this glob (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Skip paths matching this glob (repeatable)."),
    ] = None,
    db: DbOpt = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Embedding model: default, a local model folder, or 'hashing'."),
    ] = None,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Index PATH (incrementally): routes, auth, errors, models, tests, stack facts.

    Examples:

      brain index .

      brain index ~/src/shop --exclude 'legacy/**'

      brain index . --dry-run
    """
    with errors_to_exit():
        overrides: dict[str, object] = {"model": model}
        if include:
            overrides["include"] = tuple(include)
        if exclude:
            overrides["exclude"] = tuple(exclude)
        brain = _open(path, db, **overrides)
        if dry_run:
            plan = brain.dry_run()
            if as_json:
                typer.echo(json.dumps(plan, indent=2))
                return
            _print_plan(plan)
            return
        with progress_bar(not quiet and not as_json) as progress:
            report = brain.index(progress=progress)
        brain.close()
        if as_json:
            typer.echo(json.dumps(report.as_dict(), indent=2))
        else:
            _print_report(report)


def _print_plan(plan: dict) -> None:  # type: ignore[type-arg]
    typer.echo(f"Would index {plan['files']} files, {plan['lines']} lines under {plan['root']}:")
    width = max((len(k) for k in plan["folders"]), default=6)
    for folder, v in plan["folders"].items():
        typer.echo(f"  {folder:<{width}}  {v['files']:>6} files  {v['lines']:>8} lines")
    if plan["skipped"]:
        typer.echo(f"Would skip {len(plan['skipped'])}:")
        for s in plan["skipped"][:20]:
            typer.echo(f"  {s['path']}: {s['reason']}")
        if len(plan["skipped"]) > 20:
            typer.echo(f"  … and {len(plan['skipped']) - 20} more")
    typer.echo("Scope it with --include/--exclude or [tool.brain] include/exclude.")


def _print_report(report) -> None:  # type: ignore[no-untyped-def]
    typer.echo(f"Indexed {report.root} → {report.db_path}")
    typer.echo(
        f"  files: {report.files_seen} seen, {report.indexed} indexed, {report.unchanged} unchanged, "
        f"{report.removed} removed, {len(report.skipped)} skipped"
    )
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(report.patterns_by_kind.items(), key=lambda kv: -kv[1]))
    typer.echo(f"  patterns: {report.patterns} ({kinds or 'none'})")
    typer.echo(f"  facts: {report.facts}   embedded: {report.embedded} ({report.model})")
    typer.echo(f"  lines: {report.lines}   time: {report.seconds:.2f}s")
    if report.parse_errors:
        typer.echo(
            f"  syntax errors (kept what parsed): {', '.join(report.parse_errors[:5])}"
            + (" …" if len(report.parse_errors) > 5 else "")
        )
    for path, reason in report.skipped[:15]:
        typer.echo(f"  skipped {path}: {reason}")
    if len(report.skipped) > 15:
        typer.echo(f"  … and {len(report.skipped) - 15} more skipped (see --json)")


@app.command()
def context(
    request: Annotated[str, typer.Argument(help="What you want to build or change.")],
    budget: Annotated[
        int | None,
        typer.Option(
            "--budget",
            "-b",
            help="Token budget (characters/4), 200-64000; default 4000 or [tool.brain] budget.",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help="Only exemplars of this kind (repeatable)."),
    ] = None,
    project: ProjectOpt = None,
    db: DbOpt = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            help="Build the pack from this snapshot file alone (no source tree, no store; read-only).",
        ),
    ] = None,
) -> None:
    """Print the context pack for REQUEST: stack, conventions, exemplars, checklist.

    Examples:

      brain context "Add CRUD endpoints for notifications"

      brain context "Add a webhook endpoint for payments" --budget 8000 --format json

      brain context -p ~/src/shop "Add an admin-only DELETE for orders"

      brain context --snapshot .brain/snapshot.jsonl "Add a webhook endpoint"
    """
    with errors_to_exit():
        if snapshot is not None:
            from memorybrain import Brain
            from memorybrain.vector_cache import cache_root

            brain = Brain.from_snapshot(snapshot)
            if brain.snapshot_embedded:
                folder = cache_root()
                after = (
                    f"kept in the vector cache ({folder}) for the next call"
                    if folder
                    else "export it with vectors to skip this on every call"
                )
                typer.echo(
                    f"note: embedded {brain.snapshot_embedded} patterns: the snapshot has no vectors for the local "
                    f"model; {after}",
                    err=True,
                )
        else:
            brain = _open(project, db)
        pack = brain.context(request, budget=budget, fmt=fmt, kinds=tuple(kind) if kind else None)
        typer.echo(pack.render(fmt), nl=False)


@app.command()
def patterns(
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            "-k",
            help="route, dependency, decorator, exception, error_handler, model, schema, test, "
            "pagination, middleware, function, class.",
        ),
    ] = None,
    path: Annotated[str | None, typer.Option("--path", help="Only patterns in this file or folder.")] = None,
    text: Annotated[
        str | None,
        typer.Option("--text", "-t", help="Only patterns whose name or summary contains this."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 200,
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List stored patterns with their stable ids.

    Examples:

      brain patterns --kind route

      brain patterns --kind dependency --json

      brain patterns --path app/api/routes --text delete
    """
    with errors_to_exit():
        brain = _open(project, db)
        found = brain.patterns(kind=kind, path=path, text=text, limit=limit)
        total = brain.count_patterns(kind=kind, path=path, text=text)
        marks = brain.curation_marks(p.id for p in found)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "total": total,
                        "patterns": [
                            {
                                "id": p.id,
                                "kind": p.kind,
                                "name": p.name,
                                "qualname": p.qualname,
                                "location": p.location,
                                "summary": p.summary,
                                "usage": p.usage,
                                "curation": marks.get(p.id, []),
                            }
                            for p in found
                        ],
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        for p in found:
            usage = f"  [used by {p.usage}]" if p.usage else ""
            curated = "".join(f"  [{m}]" for m in marks.get(p.id, []))
            typer.echo(f"{p.id}  {p.kind:<13} {p.location}  {p.summary}{usage}{curated}")
        if total > len(found):
            typer.echo(f"… {total - len(found)} more (use --limit, --kind, --path or --text)", err=True)


@app.command()
def show(
    pattern_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="A pattern id from `brain patterns`, a unique start of one, or path:qualname."
        ),
    ],
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print one pattern: provenance, summary, metadata and code.

    Example:

      brain show 3f2a9c1b7d4e
    """
    with errors_to_exit():
        brain = _open(project, db)
        p = brain.pattern(pattern_id)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "id": p.id,
                        "kind": p.kind,
                        "name": p.name,
                        "qualname": p.qualname,
                        "path": p.path,
                        "start_line": p.start_line,
                        "end_line": p.end_line,
                        "summary": p.summary,
                        "usage": p.usage,
                        "meta": p.meta,
                        "code": p.code,
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        typer.echo(f"{p.kind} {p.qualname}  {p.location}  (id {p.id})")
        typer.echo(p.summary)
        marks = brain.curation_marks([p.id]).get(p.id, [])
        if marks:
            typer.echo("curation: " + ", ".join(marks))
        note = next((r["note"] for r in brain.curation()["notes"] if r["id"] == p.id), "")
        if note:
            typer.echo(f"team note: {note}")
        if p.usage:
            typer.echo(f"used by {p.usage} route handler(s)")
        typer.echo("")
        typer.echo(p.code)


@app.command()
def facts(
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the stack facts with their sources (file:line).

    Example:

      brain facts --json
    """
    with errors_to_exit():
        found = _open(project, db).facts()
        if as_json:
            typer.echo(
                json.dumps(
                    [
                        {
                            "category": f.category,
                            "name": f.name,
                            "value": f.value,
                            "source": f.source,
                            "evidence": f.evidence,
                            "origin": f.origin,
                        }
                        for f in found
                    ],
                    indent=2,
                )
            )
            return
        if not found:
            typer.echo("no stack facts found", err=True)
        for f in found:
            typer.echo(f"{f.category:<12} {f.name} {f.value or ''}  ({f.source})  {f.evidence}")


@app.command()
def status(
    project: ProjectOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="Describe this snapshot file instead: project, commit, model, counts."),
    ] = None,
) -> None:
    """Show what the store holds: files, patterns by kind, facts, model, last index.

    Examples:

      brain status

      brain status --snapshot .brain/snapshot.jsonl
    """
    with errors_to_exit():
        if snapshot is not None:
            from memorybrain import snapshot as snapshots

            info = snapshots.describe(snapshots.read(snapshot.expanduser()))
            if as_json:
                typer.echo(json.dumps(info, indent=2))
                return
            c = info["counts"]
            model = f"{info['model']} ({info['dim']} dims)" if info["model"] else "none (no vectors)"
            typer.echo(f"snapshot: {snapshot} ({info['schema']})")
            typer.echo(f"project: {info['project']}   commit: {snapshots.commit_label(info)}")
            typer.echo(f"model: {model}   indexer {info['indexer_version']}, linker {info['linker_version']}")
            typer.echo("records: " + ", ".join(f"{c[t]} {t}" for t in snapshots.TYPES))
            return
        brain = _open(project, db)
        stats = brain.status()
        conventions = brain.conventions()
        if as_json:
            stats["conventions"] = [c["statement"] for c in conventions]
            typer.echo(json.dumps(stats, indent=2))
            return
        typer.echo(f"project: {stats['root']}\nstore:   {stats['db_path']} (schema {stats['schema_version']})")
        typer.echo(
            f"files: {stats['files']} ({stats['lines']} lines)   "
            f"patterns: {stats['patterns']}   facts: {stats['facts']}"
        )
        typer.echo("by kind: " + ", ".join(f"{k} {v}" for k, v in stats["patterns_by_kind"].items()))
        typer.echo(f"model: {stats['model']} ({stats['dim']} dims)   last indexed: {stats['last_indexed']}")
        if conventions:
            typer.echo("conventions:")
            for c in conventions:
                typer.echo(f"  - {c['statement']}")
        cur = stats["curation"]
        typer.echo(
            f"curation: {cur['pins']} pinned, {cur['excluded']} excluded, {len(cur['exclusion_globs'])} exclusion "
            f"globs, {cur['notes']} notes, {cur['rules']} rules, {cur['team_facts']} team facts"
        )
        if stats["stale_pins"]:
            typer.echo("stale pins (still pinned; `brain pin ID` accepts the new code, `brain unpin ID` drops it):")
            for s in stats["stale_pins"]:
                typer.echo(f"  ! {s['id']}  {s['kind']} {s['qualname']} ({s['path']}): {s['why']}")


from cli.curate import register as _register_curation  # noqa: E402 - curation lives in its own module
from cli.serve import hook, mcp, serve  # noqa: E402 - the server commands live in their own module

app.command()(serve)
app.command()(mcp)
app.command()(hook)
_register_curation(app)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
