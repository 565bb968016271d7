"""Run the quality suite: leave-one-module-out convention recall of brain and three baselines.

    .venv/bin/python -m benchmarks.quality.run              # the whole corpus, 5 tasks each
    .venv/bin/python -m benchmarks.quality.run zenml flaskbb --tasks 2

For each codebase of ``corpus.lock``: download and verify it (cache outside the repository),
pick up to ``--tasks`` route modules with a fixed seed, index the whole scope once with the
real model, then for each task copy that store, re-index it incrementally with the module
excluded (its patterns deleted, the rest re-linked, nothing re-embedded), and ask
"Add CRUD API endpoints for <resource>" at each budget. The baselines pack chunks of the same
remaining tree. Prints one table (system x budget -> mean usage recall, mean pack tokens,
mean seconds per task, error-form presence, packs over budget), per-codebase rows at 4000
tokens and where brain's misses are; writes ``benchmarks/quality/RESULTS.md`` and, under the
cache, every pack and a JSON file of every figure.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.machine import cpu_model, memory_gib
from benchmarks.quality import baselines as bl
from benchmarks.quality import corpus, metric, tasks
from memorybrain.tokens import count_tokens

SYSTEMS = ("brain", "dense", "bm25", "random")
BUDGETS = (2000, 4000, 8000)
MAIN_BUDGET = 4000
RESULTS_MD = Path(__file__).with_name("RESULTS.md")


@dataclass
class Row:
    system: str
    budget: int
    codebase: str
    module: str
    recall: float
    total: int
    tokens: int
    seconds: float
    error_form: bool | None
    found: dict[str, str] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    bare: list[str] = field(default_factory=list)  # missed, yet the name is in the pack somewhere
    sections: dict[str, list[int]] = field(default_factory=dict)  # brain: section -> [tokens, first found there]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _copy_store(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    s = sqlite3.connect(src)
    d = sqlite3.connect(dst)
    try:
        s.backup(d)
    finally:
        d.close()
        s.close()


def _slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path)


def _score(system: str, budget: int, task: tasks.Task, text: str, seconds: float, tokens: int | None = None) -> Row:
    r = metric.usage_recall(task.conventions, text)
    bare = [n for n in r.missed if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", text)]
    return Row(
        system=system,
        budget=budget,
        codebase=task.codebase,
        module=task.module,
        recall=r.value,
        total=r.total,
        tokens=count_tokens(text) if tokens is None else tokens,
        seconds=seconds,
        error_form=metric.error_form_present(task.error_form, text),
        found=r.found,
        missed=r.missed,
        bare=bare,
        sections=pack_sections(text, task) if system == "brain" else {},
    )


def pack_sections(text: str, task: tasks.Task) -> dict[str, list[int]]:
    """Where in a brain pack the identifiers are found: the fixed sections (stack, conventions,
    checklist), each part of the first exemplar's header (by its comment line, the resource's
    name left out), and the exemplars' code; each with its tokens and the identifiers first
    found there, in pack order."""
    start = text.find("## Exemplars")
    parts: list[tuple[str, str]] = [("stack, conventions", text[:start] if start >= 0 else text)]
    if start >= 0:
        rest = text[start:]
        code = rest.find("```python\n")
        end = rest.find("\n\n", code + 10) if code >= 0 else -1
        if code >= 0 and end >= 0:
            label = "header: the exemplar module's own imports"
            chunk: list[str] = []
            for line in rest[code + 10 : end].splitlines():
                if line.startswith("# ") and not line.endswith("(imports)"):
                    parts.append((label, "\n".join(chunk)))
                    label, chunk = "header: " + re.sub(r"(code for|mention) [^:]*", r"\1 …", line[2:]), []
                else:
                    chunk.append(line)
            parts.append((label, "\n".join(chunk)))
            parts.append(("exemplar code, checklist", rest[:code] + rest[end:]))
        else:
            parts.append(("exemplar code, checklist", rest))
    out: dict[str, list[int]] = {}
    seen: set[str] = set()
    for label, chunk in parts:
        hits = {n for n, cats in task.conventions.items() if n not in seen and metric.code_form(n, chunk, tuple(cats))}
        seen |= hits
        entry = out.setdefault(label, [0, 0])
        entry[0] += count_tokens(chunk)
        entry[1] += len(hits)
    return out


def import_block(cb: tasks.Codebase, path: str) -> str:
    """The top-level import statements of one file, verbatim."""
    lines = cb.sources[path].splitlines()
    return "\n".join(
        "\n".join(lines[n.lineno - 1 : n.end_lineno])
        for n in cb.trees[path].body
        if isinstance(n, ast.Import | ast.ImportFrom)
    )


def reference_points(cb: tasks.Codebase, task: tasks.Task, routes: list[str]) -> dict[str, Any]:
    """Recall of some unbudgeted texts, to tell what a pack could reach.

    ``ceiling``: all other files of the tree (1.0 unless an identifier occurs elsewhere only in
    forms the metric does not count); ``best_module``: the single other route module that scores
    best when shown whole (an oracle pick of "the nearest module"); ``route_imports``: the import
    statements of every other route module together.
    """
    shown = 0
    for name, cats in task.conventions.items():  # only the files that mention the name
        files = [p for p, ids in cb.identifiers.items() if p != task.module and name in ids]
        shown += any(metric.code_form(name, cb.sources[p], tuple(cats)) for p in files)
    ceiling = shown / len(task.conventions) if task.conventions else 0.0
    siblings = [p for p in routes if p != task.module]
    best = max(((metric.usage_recall(task.conventions, cb.sources[p]).value, p) for p in siblings), default=(0.0, ""))
    imports = "\n".join(import_block(cb, p) for p in siblings)
    return {
        "ceiling": ceiling,
        "best_module": best[0],
        "best_module_path": best[1],
        "route_imports": metric.usage_recall(task.conventions, imports).value,
    }


def run_codebase(
    entry: corpus.Entry,
    cache: Path,
    encoder: Any,
    *,
    limit: int,
    seed: int,
    budgets: tuple[int, ...],
    pack_dir: Path,
) -> tuple[list[Row], dict[str, Any], list[tasks.Task]]:
    from memorybrain import Brain

    started = time.perf_counter()
    root = corpus.fetch(entry, cache)
    cb = tasks.Codebase.load(entry.name, root, entry.include, entry.exclude)
    chosen, eligible = tasks.select_tasks(cb, limit=limit, seed=seed)
    routes = [p for p, _h in tasks.route_modules(cb)]
    log(f"[{entry.name}] {cb.file_count} files in scope, {eligible} eligible route modules, {len(chosen)} tasks")
    info: dict[str, Any] = {
        "codebase": entry.name,
        "framework": entry.framework,
        "requirement": entry.requirement,
        "files": cb.file_count,
        "lines": sum(s.count("\n") + 1 for s in cb.sources.values()),
        "eligible": eligible,
        "tasks": [{**t.as_dict(), "reference": reference_points(cb, t, routes)} for t in chosen],
    }
    rows: list[Row] = []
    if not chosen:
        return rows, info, chosen

    stores = cache / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    base_db = stores / f"{entry.name}.db"
    t0 = time.perf_counter()
    with Brain.open(root, db=str(base_db), include=entry.include, exclude=entry.exclude, encoder=encoder) as b:
        report = b.index()
    info["index_seconds"] = round(time.perf_counter() - t0, 1)
    info["patterns"] = report.patterns
    info["embedded"] = report.embedded
    log(f"[{entry.name}] base store: {report.patterns} patterns, {report.embedded} embedded, {info['index_seconds']}s")

    t0 = time.perf_counter()
    chunks = bl.chunk_files(cb.sources)
    base = bl.Baselines(chunks, encoder, cache / "vectors")
    info["chunks"] = len(chunks)
    info["chunk_seconds"] = round(time.perf_counter() - t0, 1)
    log(f"[{entry.name}] baselines: {len(chunks)} chunks, {info['chunk_seconds']}s")

    work = cache / "work"
    work.mkdir(parents=True, exist_ok=True)
    reindex: list[float] = []
    for task in chosen:
        tdir = pack_dir / entry.name / _slug(task.module)
        tdir.mkdir(parents=True, exist_ok=True)
        task_db = work / f"{entry.name}.db"
        _copy_store(base_db, task_db)
        t0 = time.perf_counter()
        with Brain.open(
            root,
            db=str(task_db),
            include=entry.include,
            exclude=(*entry.exclude, task.module),
            encoder=encoder,
        ) as b:
            rep = b.index()
            reindex.append(time.perf_counter() - t0)
            if rep.removed != 1 or rep.embedded:
                log(f"  warning: re-index removed {rep.removed} files and embedded {rep.embedded} patterns")
            for budget in budgets:
                t1 = time.perf_counter()
                pack = b.context(task.request, budget=budget)
                text = pack.to_markdown()
                dt = time.perf_counter() - t1
                (tdir / f"brain-{budget}.md").write_text(text)
                rows.append(_score("brain", budget, task, text, dt))
        for system in ("dense", "bm25", "random"):
            t1 = time.perf_counter()
            ranked = base.rank(system, task.request, task.module, seed=f"{seed}:{task.codebase}:{task.module}")
            rank_s = time.perf_counter() - t1
            for budget in budgets:
                t2 = time.perf_counter()
                text, _ = bl.pack_greedy(task.request, ranked, budget)
                dt = rank_s + time.perf_counter() - t2
                (tdir / f"{system}-{budget}.md").write_text(text)
                rows.append(_score(system, budget, task, text, dt))
        at = {r.system: r.recall for r in rows if r.module == task.module and r.budget == MAIN_BUDGET}
        log(
            f"  {task.module} ({len(task.conventions)} ids, {task.handlers} handlers): "
            + " ".join(f"{s}={at.get(s, float('nan')):.2f}" for s in SYSTEMS)
            + f"  re-index {reindex[-1]:.1f}s"
        )
    info["reindex_seconds_mean"] = round(statistics.mean(reindex), 2)
    info["seconds"] = round(time.perf_counter() - started, 1)
    return rows, info, chosen


# ---------------------------------------------------------------------- reporting


def _mean(xs: list[float]) -> float:
    return statistics.mean(xs) if xs else float("nan")


def _fmt_err(vals: list[bool | None]) -> str:
    known = [v for v in vals if v is not None]
    return f"{sum(known) / len(known):.2f} ({len(known)})" if known else "-"


def summary_table(rows: list[Row], budgets: tuple[int, ...]) -> list[str]:
    out = [
        "| system | budget | usage recall | pack tokens | seconds/task | error form | over budget |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for system in SYSTEMS:
        for budget in budgets:
            rs = [r for r in rows if r.system == system and r.budget == budget]
            if not rs:
                continue
            over = sum(1 for r in rs if r.tokens > budget)
            out.append(
                f"| {system} | {budget} | {_mean([r.recall for r in rs]):.3f} | "
                f"{_mean([r.tokens for r in rs]):.0f} | {_mean([r.seconds for r in rs]):.2f} | "
                f"{_fmt_err([r.error_form for r in rs])} | {over} |"
            )
    return out


def per_codebase_table(rows: list[Row], budget: int) -> list[str]:
    codebases = list(dict.fromkeys(r.codebase for r in rows))
    out = [
        f"| codebase (at {budget}) | tasks | ids/task | "
        + " | ".join(SYSTEMS)
        + " | brain / best baseline | brain error form |",
        "|---|---:|---:|" + "---:|" * len(SYSTEMS) + "---:|---:|",
    ]
    for cb in codebases:
        rs = [r for r in rows if r.codebase == cb and r.budget == budget]
        by = {s: _mean([r.recall for r in rs if r.system == s]) for s in SYSTEMS}
        brain_rows = [r for r in rs if r.system == "brain"]
        best = max(by[s] for s in SYSTEMS if s != "brain")
        ratio = f"{by['brain'] / best:.2f}" if best > 0 else "-"
        out.append(
            f"| {cb} | {len(brain_rows)} | {_mean([r.total for r in brain_rows]):.0f} | "
            + " | ".join(f"{by[s]:.3f}" for s in SYSTEMS)
            + f" | {ratio} | {_fmt_err([r.error_form for r in brain_rows])} |"
        )
    return out


def per_task_table(rows: list[Row], budget: int) -> list[str]:
    out = [
        f"| task (at {budget}) | ids | " + " | ".join(SYSTEMS) + " |",
        "|---|---:|" + "---:|" * len(SYSTEMS),
    ]
    keys = list(dict.fromkeys((r.codebase, r.module) for r in rows))
    for cb, mod in keys:
        rs = {r.system: r for r in rows if r.codebase == cb and r.module == mod and r.budget == budget}
        if "brain" not in rs:
            continue
        out.append(
            f"| {cb}: `{mod}` | {rs['brain'].total} | "
            + " | ".join(f"{rs[s].recall:.2f}" if s in rs else "-" for s in SYSTEMS)
            + " |"
        )
    return out


def miss_analysis(rows: list[Row], all_tasks: list[tasks.Task], budget: int, system: str = "brain") -> list[str]:
    """Recall by category of identifier, and the most missed identifiers of each category."""
    by_task = {(t.codebase, t.module): t for t in all_tasks}
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    bare: Counter[str] = Counter()
    defined: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    missed_names: dict[str, Counter[str]] = defaultdict(Counter)
    forms: Counter[str] = Counter()
    for r in rows:
        if r.system != system or r.budget != budget:
            continue
        t = by_task[(r.codebase, r.module)]
        for name, cats in t.conventions.items():
            cat = tasks.primary_category(cats)
            total[cat] += 1
            if name in r.found:
                found[cat] += 1
                forms[r.found[name]] += 1
            else:
                missed_names[cat][f"{r.codebase}:{name}"] += 1
                if name in r.bare:
                    bare[cat] += 1
                if name in t.defined:
                    defined[cat] += 1
                if name not in t.in_other_routes:
                    alone[cat] += 1
    out = [
        f"| category ({system} at {budget}) | identifiers | recall | missed | missed but named in the pack "
        "| missed, defined in the tree | missed, no other route module uses it |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cat in tasks.CATEGORIES:
        if total[cat]:
            miss = total[cat] - found[cat]
            out.append(
                f"| {cat} | {total[cat]} | {found[cat] / total[cat]:.3f} | {miss} | {bare[cat]} | {defined[cat]} "
                f"| {alone[cat]} |"
            )
    n_missed = sum(total.values()) - sum(found.values())
    if n_missed:
        out += [
            "",
            f"Of the {n_missed} missed identifiers, {sum(alone.values())} are used by no other route module: "
            "only the removed module needs them, so no sibling module points at them.",
        ]
    out.append("")
    out.append("Forms the found identifiers were shown in: " + ", ".join(f"{f} {n}" for f, n in forms.most_common()))
    out.append("")
    for cat in tasks.CATEGORIES:
        if missed_names[cat]:
            top = ", ".join(f"`{n}`" + (f" ×{c}" if c > 1 else "") for n, c in missed_names[cat].most_common(12))
            out.append(f"- most missed {cat}: {top}")
    return out


def section_table(rows: list[Row], budget: int) -> list[str]:
    """Where brain's found identifiers are in its packs, per section: what each part is worth."""
    sel = [r for r in rows if r.system == "brain" and r.budget == budget and r.sections]
    if not sel:
        return []
    tokens: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    packs: Counter[str] = Counter()
    for r in sel:
        for label, (t, h) in r.sections.items():
            tokens[label] += t
            hits[label] += h
            packs[label] += 1
    out = [
        f"| section (brain at {budget}) | packs | tokens/pack | identifiers found first there/pack | per 100 tokens |",
        "|---|---:|---:|---:|---:|",
    ]
    for label in sorted(tokens, key=lambda x: -hits[x] / max(tokens[x], 1)):
        out.append(
            f"| {label} | {packs[label]} | {tokens[label] / packs[label]:.0f} | {hits[label] / packs[label]:.2f} | "
            f"{100 * hits[label] / max(tokens[label], 1):.2f} |"
        )
    return out


def reference_table(infos: list[dict[str, Any]], rows: list[Row], budget: int) -> list[str]:
    out = [
        f"| codebase | brain at {budget} | best single route module, whole (oracle) "
        "| import blocks of all route modules | all other files (ceiling) |",
        "|---|---:|---:|---:|---:|",
    ]
    refs_all: list[dict[str, Any]] = []
    for info in infos:
        refs = [t["reference"] for t in info["tasks"]]
        if not refs:
            continue
        refs_all.extend(refs)
        brain = _mean(
            [r.recall for r in rows if r.codebase == info["codebase"] and r.system == "brain" and r.budget == budget]
        )
        out.append(
            f"| {info['codebase']} | {brain:.3f} | {_mean([r['best_module'] for r in refs]):.3f} | "
            f"{_mean([r['route_imports'] for r in refs]):.3f} | {_mean([r['ceiling'] for r in refs]):.3f} |"
        )
    brain = _mean([r.recall for r in rows if r.system == "brain" and r.budget == budget])
    out.append(
        f"| **all** | {brain:.3f} | {_mean([r['best_module'] for r in refs_all]):.3f} | "
        f"{_mean([r['route_imports'] for r in refs_all]):.3f} | {_mean([r['ceiling'] for r in refs_all]):.3f} |"
    )
    return out


def machine() -> str:
    cpu = cpu_model()
    mem = f", {memory_gib()} RAM" if memory_gib() else ""
    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, {os.cpu_count()} cores{mem}, "
        f"Python {platform.python_version()}"
    )


def report(
    rows: list[Row],
    infos: list[dict[str, Any]],
    all_tasks: list[tasks.Task],
    budgets: tuple[int, ...],
    meta: dict[str, Any],
) -> str:
    main = MAIN_BUDGET if MAIN_BUDGET in budgets else budgets[len(budgets) // 2]
    lines = [
        "# Pack quality: leave-one-module-out convention recall",
        "",
        f"- date: {meta['date']}",
        f"- machine: {meta['machine']}",
        f"- memorybrain {meta['version']} (indexer version {meta['indexer_version']}), model {meta['model']}",
        f"- command: `{meta['command']}` ({meta['seconds'] / 60:.1f} min wall time{meta['cold']})",
        f"- tasks: up to {meta['limit']} route modules per codebase drawn with seed {meta['seed']}; "
        f"{len(all_tasks)} tasks in all; tokens = characters/4 for every system",
        "",
        "## All tasks",
        "",
        *summary_table(rows, budgets),
        "",
        "_usage recall_: mean share of the removed module's shared identifiers the pack shows in code form. "
        "_error form_: share of tasks (with an error form, count in brackets) whose pack shows an error "
        "signalled exactly the module's way (callee, status argument style, keywords). "
        "_over budget_: packs longer than their budget.",
        "",
        "## Per codebase",
        "",
        *per_codebase_table(rows, main),
        "",
        "## Where brain misses",
        "",
        *miss_analysis(rows, all_tasks, main),
        "",
        "## Where brain finds them",
        "",
        "Each section of brain's packs, with its size and the identifiers first found in it (in pack order): "
        "what each part of a pack is worth to this measure.",
        "",
        *section_table(rows, main),
        "",
        "## Reference points (no budget)",
        "",
        "Usage recall of unbudgeted texts, for scale: what showing one whole module, or every route module's "
        "imports, would reach.",
        "",
        *reference_table(infos, rows, main),
        "",
        "## Per task",
        "",
        *per_task_table(rows, main),
        "",
        "## Corpus",
        "",
        "| codebase | framework | requirement | files | lines | route modules | tasks | patterns | chunks |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for i in infos:
        lines.append(
            f"| {i['codebase']} | {i['framework']} | `{i['requirement']}` | {i['files']} | {i['lines']} | "
            f"{i['eligible']} | {len(i['tasks'])} | {i.get('patterns', '-')} | {i.get('chunks', '-')} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("codebases", nargs="*", help="names from corpus.lock (default: all)")
    parser.add_argument("--cache", type=Path, default=corpus.DEFAULT_CACHE, help="default: %(default)s")
    parser.add_argument("--tasks", type=int, default=5, help="route modules per codebase (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the task draw (default: %(default)s)")
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)), help="default: %(default)s")
    parser.add_argument("--results", type=Path, default=RESULTS_MD, help="markdown report (default: %(default)s)")
    parser.add_argument("--no-results", action="store_true", help="print only; write no RESULTS.md")
    args = parser.parse_args(argv)

    entries = corpus.load_lock()
    if args.codebases:
        known = {e.name for e in entries}
        unknown = [c for c in args.codebases if c not in known]
        if unknown:
            parser.error(f"unknown codebase(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        entries = [e for e in entries if e.name in args.codebases]
    budgets = tuple(int(b) for b in args.budgets.split(","))

    from indexers import INDEXER_VERSION
    from memorybrain import __version__
    from memorybrain.embeddings import get_encoder

    started = time.perf_counter()
    cold = not (args.cache / "stores").is_dir()
    encoder = get_encoder()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = args.cache / "runs" / stamp
    pack_dir = run_dir / "packs"
    rows: list[Row] = []
    infos: list[dict[str, Any]] = []
    all_tasks: list[tasks.Task] = []
    for entry in entries:
        r, info, chosen = run_codebase(
            entry, args.cache, encoder, limit=args.tasks, seed=args.seed, budgets=budgets, pack_dir=pack_dir
        )
        rows.extend(r)
        infos.append(info)
        all_tasks.extend(chosen)

    seconds = time.perf_counter() - started
    command = "python -m benchmarks.quality.run" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    meta = {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "version": __version__,
        "indexer_version": INDEXER_VERSION,
        "model": encoder.name,
        "command": command.strip(),
        "seconds": seconds,
        "cold": ", first run: downloads, indexing and chunk embeddings included" if cold else "",
        "limit": args.tasks,
        "seed": args.seed,
    }
    text = report(rows, infos, all_tasks, budgets, meta)
    print(text)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "results.json").write_text(
        json.dumps({"meta": meta, "codebases": infos, "rows": [r.as_dict() for r in rows]}, indent=1)
    )
    (run_dir / "RESULTS.md").write_text(text)
    if not args.no_results:
        args.results.write_text(text)
        log(f"wrote {args.results}")
    log(f"packs and results.json in {run_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
