"""Index real open-source Flask, FastAPI and Django/DRF apps and report the core figures.

Usage:  .venv/bin/python benchmarks/real_code.py [--cache DIR] [NAME ...]

Downloads each app's wheel from PyPI (``pip download --no-deps``) into a cache outside the
repository (default ``~/.cache/memorybrain-bench``), unpacks it, and for each app prints:
files, lines, patterns by kind, facts, cold index seconds (new store, fresh process),
re-index seconds after touching one file, and `brain context` seconds from a new process.
Nothing here is a timed test: these are measurements to report.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

APPS = {
    # name: (pip requirement, folder to index inside the unpacked wheel, include globs)
    "ihatemoney": ("ihatemoney==7.2.1", ".", ["ihatemoney/**"]),
    "flaskbb": ("flaskbb==2.0.2", ".", ["flaskbb/**", "tests/**"]),
    "ckan": ("ckan==2.12.0", ".", ["ckan/**", "ckanext/**"]),
    "zenml": ("zenml==0.98.0", ".", ["zenml/zen_server/**"]),
    # Flask-AppBuilder: FAB's own security and menu APIs and views
    "flask-appbuilder": ("flask-appbuilder==4.5.3", ".", ["flask_appbuilder/**"]),
    # Apache Superset: FAB ModelRestApi/BaseApi classes in */api.py and views/ (python package only)
    "apache-superset": ("apache-superset==6.1.0", ".", ["superset/**"]),
    # Airflow's FAB provider: subclasses of FAB's own security views
    "apache-airflow-providers-fab": ("apache-airflow-providers-fab==3.10.2", ".", ["airflow/providers/fab/**"]),
    # udata (open data portal): Flask-RESTX API (api.namespace, api.model, Resource classes)
    "udata": ("udata==17.18.0", ".", ["udata/**"]),
    # Django REST Framework codebases
    "nautobot": ("nautobot==2.4.5", ".", ["nautobot/**"]),
    "kolibri": (
        "kolibri==0.17.5",
        ".",
        ["kolibri/core/**", "kolibri/plugins/**", "kolibri/deployment/**", "kolibri/utils/**"],
    ),
    "wagtail": (
        "wagtail==6.4.1",
        ".",
        ["wagtail/api/**", "wagtail/admin/api/**", "wagtail/*/api/**", "wagtail/test/**"],
    ),
    # robustness sweep, 2026-12: FastAPI (project APIRouter subclasses, return-annotation responses)
    "prefect": ("prefect==3.9.1", ".", ["prefect/server/**"]),
    "argilla-server": ("argilla-server==2.8.0", ".", ["argilla_server/**"]),
    "apache-airflow-core": ("apache-airflow-core==3.3.2", ".", ["airflow/api_fastapi/**", "airflow/models/**"]),
    # Flask + FastAPI handlers side by side
    "mlflow": ("mlflow==3.18.0", ".", ["mlflow/server/**"]),
    # Django REST Framework and plain Django views
    "label-studio": ("label-studio==1.23.2", ".", ["label_studio/**"]),
    "pretix": ("pretix==2026.8.0", ".", ["pretix/**"]),
    # Flask with its own request-handler classes (RH._process, _process_GET) registered by
    # add_url_rule from blueprint files
    "indico": ("indico==3.2.9", ".", ["indico/**"]),
    # sweep of 2026-12-04 (session 6): an app-wide SlowAPI middleware and gRPC stubs (lnbits), a
    # REST API beside server-rendered pages with another guard (changedetection.io), a DRF
    # router registered under a feature flag (django-helpdesk)
    "lnbits": ("lnbits==1.6.2", ".", ["lnbits/**"]),
    "changedetection.io": ("changedetection.io==0.60.10", ".", ["changedetectionio/**"]),
    "django-helpdesk": ("django-helpdesk==2.6.1", ".", ["helpdesk/**"]),
    # sweep of 2026-12-07 (session 7): router dependencies built in a variable (arize-phoenix), a
    # registered exception handler beside lookalike helpers and a 434k-line proxy (litellm),
    # returned error responses and CSRF exemptions (pgAdmin), @validate_schema with marshmallow
    # instances (lemur), many resources in one module (chainlit); REST_FRAMEWORK built by a
    # function (Weblate), project mixins serving viewset actions (pulpcore), ScopedRateThrottle
    # (wger), viewsets on ViewSet with HTTP-verb methods (misago), django-guardian (kiwitcms)
    "arize-phoenix": ("arize-phoenix==20.26.1", ".", ["phoenix/server/**"]),
    "litellm": ("litellm==1.110.2", ".", ["litellm/proxy/**"]),
    "pgadmin4": ("pgadmin4==9.18", ".", ["pgadmin4/pgadmin/**"]),
    "lemur": ("lemur==1.9.3", ".", ["lemur/**"]),
    "chainlit": ("chainlit==2.12.0", ".", ["chainlit/**"]),
    "weblate": ("weblate==5.14.3", ".", ["weblate/**"]),
    "pulpcore": ("pulpcore==3.123.1", ".", ["pulpcore/**"]),
    "wger": ("wger==2.1", ".", ["wger/**"]),
    "misago": ("misago==0.39.6", ".", ["misago/**"]),
    "kiwitcms": ("kiwitcms==12.4", ".", ["tcms/**"]),
    # sweep of 2026-12-08 (session 8): blueprint before_request hooks that guard, several rules
    # on one view, class-based decorators, parameter helpers as validation (privacyidea);
    # handlerNNN error pages, X.get_urls() registration, project access mixins, docs extras
    # (pretalx); urlconfs written with keyword arguments and mounted at run time, guarded
    # optional imports (mayan-edms)
    "privacyidea": ("privacyidea==3.14", ".", ["privacyidea/**"]),
    "pretalx": ("pretalx==2025.2.2", ".", ["pretalx/**"]),
    "mayan-edms": ("mayan-edms==4.12.2", ".", ["mayan/**"]),
    # sweep of 2026-12-08 (session 9, FastAPI): fastapi-pagination's Page[...] and paginate, route
    # paths built from URL constants of another module (ethyca-fides); routers mounted in a loop
    # over a list another module defines, LLM-provider exceptions beside the request validation
    # handler (letta: the last Python server release, newer "letta" wheels are the Node CLI)
    "ethyca-fides": ("ethyca-fides==2.78.2", ".", ["fides/api/**", "fides/common/**"]),
    "letta": (
        "letta==0.16.8",
        ".",
        [
            "letta/server/**",
            "letta/schemas/**",
            "letta/orm/**",
            "letta/services/**",
            "letta/auth/**",
            "letta/errors.py",
            "letta/constants.py",
        ],
    ),
    # sweep of 2026-12-08 (session 9, Django): a Django plugin without ROOT_URLCONF whose urlconfs
    # include each other by module alias, views re-exported by package __init__s, dynaconf
    # REST_FRAMEWORK__ settings, a per-view exception handler (galaxy-ng); server-rendered pages
    # beside a DRF API with regex router prefixes (ephios)
    "galaxy-ng": ("galaxy-ng==4.9.2", ".", ["galaxy_ng/**"]),
    "ephios": ("ephios==0.27.1", ".", ["ephios/**"]),
    # sweep of 2026-12-08 (session 9, Flask): a login decorator beside another on other routes,
    # a render_template wrapper, werkzeug default_exceptions handlers, CSRF-exempt e-reader API
    # (calibre-web); a blueprint registered through functools.partial, @Permissions.X.require(403)
    # permission families, access checked in handler bodies, a validation helper that aborts 400
    # (OctoPrint)
    "calibreweb": ("calibreweb==0.6.27", ".", ["calibreweb/cps/**"]),
    "octoprint": (
        "octoprint==1.11.8",
        ".",
        [
            "octoprint/server/**",
            "octoprint/access/**",
            "octoprint/plugin/**",
            "octoprint/schema/**",
            "octoprint/util/flask.py",
            "octoprint/vendor/flask_principal.py",
        ],
    ),
}
REQUEST = "Add CRUD endpoints for notifications"
BRAIN = [sys.executable, "-m", "cli.main"]


def fetch(name: str, requirement: str, cache: Path) -> Path:
    root = cache / name
    if root.exists():
        return root
    dl = cache / "downloads"
    dl.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dl), requirement],
        check=True,
    )
    stem = name.lower().replace("-", "_").replace(".", "_") + "-"  # wheel names normalise both
    wheel = next(p for p in dl.glob("*.whl") if p.name.lower().startswith(stem))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(root)
    return root


def brain(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([*BRAIN, *args], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"brain {' '.join(args)} failed: {out.stderr.strip()}")
    return elapsed, out.stdout


def measure(name: str, root: Path, includes: list[str], pack_dir: Path) -> dict[str, object]:
    shutil.rmtree(root / ".brain", ignore_errors=True)
    (root / ".brain").mkdir()
    (root / ".brain" / "config.toml").write_text(f"include = {json.dumps(includes)}\n")
    cold, out = brain("index", str(root), "--json")
    report = json.loads(out)
    first_route = json.loads(brain("patterns", "-p", str(root), "--kind", "route", "--json", "-n", "1")[1])
    touched = root / first_route["patterns"][0]["location"].split(":")[0]
    text = touched.read_text()
    touched.write_text(text + "\n# touched by the benchmark\n")
    reindex, out2 = brain("index", str(root), "--json")
    touched.write_text(text)
    brain("index", str(root), "--json")
    ctx, pack = brain("context", REQUEST, "-p", str(root))
    (pack_dir / f"{name}.md").write_text(pack)
    return {
        "app": name,
        "files": report["indexed"] + report["unchanged"],
        "lines": report["lines"],
        "patterns": report["patterns"],
        "by_kind": report["patterns_by_kind"],
        "facts": report["facts"],
        "skipped": len(report["skipped"]),
        "parse_errors": len(report["parse_errors"]),
        "cold_index_s": round(cold, 2),
        "reindex_one_file_s": round(reindex, 2),
        "reindexed_files": json.loads(out2)["indexed"],
        "reembedded": json.loads(out2)["embedded"],
        "context_s": round(ctx, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(APPS))
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "memorybrain-bench")
    args = parser.parse_args()
    pack_dir = args.cache / "packs"
    pack_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.names:
        requirement, sub, includes = APPS[name]
        root = fetch(name, requirement, args.cache) / sub
        row = measure(name, root, includes, pack_dir)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\npacks written to {pack_dir}")
    print(f"{'app':<11}{'files':>6}{'lines':>8}{'patterns':>9}{'facts':>6}{'cold s':>8}{'reidx s':>8}{'ctx s':>7}")
    for r in rows:
        print(
            f"{r['app']:<11}{r['files']:>6}{r['lines']:>8}{r['patterns']:>9}{r['facts']:>6}"
            f"{r['cold_index_s']:>8}{r['reindex_one_file_s']:>8}{r['context_s']:>7}"
        )


if __name__ == "__main__":
    main()
