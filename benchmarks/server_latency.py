"""`/v1/context` latency of a warm `brain serve`, and the server's resident memory.

Usage:  .venv/bin/python benchmarks/server_latency.py [--project PATH] [--requests 200] [--budget 4000]

Copies PATH (default: the bundled example API; e.g. /work/corpus/ihatemoney for a real
codebase) into a temporary folder and indexes it there, starts `brain serve` with
the real model on a free loopback port, sends 10 warm-up requests and then N timed
``POST /v1/context`` requests (one keep-alive connection, a few realistic requests in turn),
and prints p50 / p95 / p99 / max latency as the client sees it, the server's resident memory
(VmRSS) and peak (VmHWM) from /proc, and how long the Claude Code hook takes for an
unrelated prompt and for an endpoint prompt answered by the running server.

Nothing here is a timed test: these are measurements to report. Target: p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
BRAIN = [sys.executable, "-m", "cli.main"]
REQUESTS = (
    "Add CRUD endpoints for notifications",
    "Add an admin-only DELETE endpoint for projects",
    "Add a paginated list endpoint for invoices",
    "Add a webhook endpoint for payment events",
    "Change the bill update endpoint to validate the amount",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run_hook(prompt: str, project: Path) -> tuple[float, int]:
    payload = json.dumps({"prompt": prompt, "cwd": str(project), "hook_event_name": "UserPromptSubmit"})
    env = {k: v for k, v in os.environ.items() if k != "CLAUDE_PROJECT_DIR"}
    started = time.perf_counter()
    out = subprocess.run(
        [*BRAIN, "hook", "claude-code", "--run"], input=payload, capture_output=True, text=True, cwd=REPO, env=env
    )
    return time.perf_counter() - started, len(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, help="project to serve (default: a copy of the example API)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--budget", type=int, default=4000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="brain-bench-"))
    try:
        # a copy: the benchmark writes a store (and the server its discovery file) into it
        source = args.project.resolve() if args.project else REPO / "tests" / "fixtures" / "fastapi_app"
        project = work / source.name
        shutil.copytree(source, project, ignore=shutil.ignore_patterns(".brain", "__pycache__"))
        started = time.perf_counter()
        subprocess.run([*BRAIN, "index", str(project), "--quiet"], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        print(f"indexed {source} in {time.perf_counter() - started:.1f}s (cold, new process)")

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = (work / "serve.log").open("w")
        started = time.perf_counter()
        server = subprocess.Popen(
            [*BRAIN, "serve", "-p", str(project), "--port", str(port), "--log-level", "warning"],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=url, timeout=60) as client:
                while True:
                    try:
                        health = client.get("/v1/health").json()
                        if health["ready"]:
                            break
                    except httpx.HTTPError:
                        pass
                    if server.poll() is not None:
                        raise SystemExit(f"brain serve exited: {(work / 'serve.log').read_text()}")
                    time.sleep(0.1)
                startup = time.perf_counter() - started
                rss_idle = memory_kib(server.pid)
                for i in range(10):
                    client.post("/v1/context", json={"request": REQUESTS[i % len(REQUESTS)], "budget": args.budget})
                times, tokens = [], []
                for i in range(args.requests):
                    body = {"request": REQUESTS[i % len(REQUESTS)], "budget": args.budget}
                    t0 = time.perf_counter()
                    r = client.post("/v1/context", json=body)
                    times.append((time.perf_counter() - t0) * 1000)
                    r.raise_for_status()
                    tokens.append(r.json()["tokens"])
                rss = memory_kib(server.pid)
            hook_miss = [run_hook("explain what this function does", project)[0] for _ in range(3)]
            hook_hit = [run_hook(REQUESTS[0], project) for _ in range(3)]
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
            log.close()

        load = os.getloadavg()
        print(f"project: {source} — {health['files']} files, {health['patterns']} patterns, model {health['model']}")
        print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"server startup to ready (model loaded, pack warm): {startup:.1f}s")
        print(
            f"/v1/context, {args.requests} warm requests, budget {args.budget} "
            f"(mean pack {statistics.mean(tokens):.0f} tokens):"
        )
        print(
            f"  p50 {percentile(times, 0.5):.1f} ms   p95 {percentile(times, 0.95):.1f} ms   "
            f"p99 {percentile(times, 0.99):.1f} ms   max {max(times):.1f} ms   mean {statistics.mean(times):.1f} ms"
        )
        print(
            f"resident memory: {rss_idle['VmRSS'] / 1024:.0f} MiB after startup, {rss['VmRSS'] / 1024:.0f} MiB "
            f"after the run (peak {rss['VmHWM'] / 1024:.0f} MiB)"
        )
        print(
            f"hook (new process each): unrelated prompt {statistics.median(hook_miss) * 1000:.0f} ms, "
            f"endpoint prompt via the server {statistics.median(t for t, _ in hook_hit) * 1000:.0f} ms "
            f"({hook_hit[0][1]} characters injected)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
