"""A real `brain serve` on a free loopback port, and the token, Host and CORS rules from outside."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import FASTAPI_APP, copy_app
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app as cli_app
from memorybrain import Brain
from server import hooks
from server.app import create_app
from server.settings import ServerSettings, is_loopback

REPO = Path(__file__).resolve().parents[1]
TOKEN = "test-token-0123456789"
ORIGIN = "http://editor.localhost:3000"
EXTRA_HOST = "brain.test"
REQUEST = "Add CRUD endpoints for notifications"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_app(FASTAPI_APP, tmp_path_factory.mktemp("http") / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    return root


@pytest.fixture(scope="module")
def live(project, tmp_path_factory):
    """`brain serve` in a subprocess, token from BRAIN_TOKEN, one extra host, one CORS origin."""
    port = free_port()
    log = tmp_path_factory.mktemp("log") / "serve.log"
    env = {**os.environ, "BRAIN_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "serve",
                "--project",
                str(project),
                "--port",
                str(port),
                "--model",
                "hashing",
                "--allowed-host",
                EXTRA_HOST,
                "--cors-origin",
                ORIGIN,
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/v1/health", headers=auth, timeout=2).json().get("ready"):
                break
        except (httpx.HTTPError, ValueError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"brain serve did not start: {log.read_text()}")
        time.sleep(0.1)
    yield {"url": url, "port": port, "proc": proc, "log": log, "auth": auth, "root": project}
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:  # pragma: no cover
        proc.kill()
        proc.wait()


def assert_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()


def test_real_server_answers_over_http(live):
    h = httpx.get(f"{live['url']}/v1/health", headers=live["auth"]).json()
    assert h["ready"] and h["model"] == "hashing-256" and h["patterns"] == 73
    r = httpx.post(
        f"{live['url']}/v1/context",
        json={"request": REQUEST, "budget": 1500},
        headers={**live["auth"], "Accept": "text/markdown"},
    )
    assert r.status_code == 200 and r.text.startswith(f"# Context pack: {REQUEST}")
    assert "server" not in r.headers  # no server banner
    page = httpx.get(f"{live['url']}/v1/patterns", params={"kind": "route"}, headers=live["auth"]).json()
    assert page["total"] == 17
    job = httpx.post(f"{live['url']}/v1/index", headers=live["auth"])
    assert job.status_code == 202


def test_discovery_file_points_at_the_server(live):
    info = json.loads(hooks.discovery_path(live["root"]).read_text())
    assert info == {"url": live["url"], "pid": live["proc"].pid, "token_required": True}


def test_token_is_required_on_every_request(live):
    for path in ("/v1/health", "/v1/patterns", "/openapi.json", "/docs"):
        problem = assert_problem(httpx.get(live["url"] + path), 401)
        assert "Authorization: Bearer" in problem["detail"]
    r = httpx.get(f"{live['url']}/v1/health", headers={"Authorization": "Bearer wrong"})
    assert "not the one" in assert_problem(r, 401)["detail"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = httpx.post(f"{live['url']}/v1/context", json={"request": REQUEST}, headers={"Authorization": TOKEN})
    assert_problem(r, 401)
    assert httpx.get(f"{live['url']}/v1/health", headers=live["auth"]).status_code == 200


def test_host_header_must_be_loopback_or_configured(live):
    port = live["port"]
    for host in ("evil.example", f"evil.example:{port}", f"{EXTRA_HOST}.evil.example"):
        r = httpx.get(f"{live['url']}/v1/health", headers={**live["auth"], "Host": host})
        assert "Host header" in assert_problem(r, 400)["detail"]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"{EXTRA_HOST}:{port}", "LOCALHOST"):
        r = httpx.get(f"{live['url']}/v1/health", headers={**live["auth"], "Host": host})
        assert r.status_code == 200, (host, r.text)


def test_cors_only_for_the_configured_origin(live):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    ok = httpx.options(f"{live['url']}/v1/context", headers={"Origin": ORIGIN, **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    r = httpx.get(f"{live['url']}/v1/health", headers={**live["auth"], "Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    # a 401 still carries the header, so the page can read why
    r = httpx.get(f"{live['url']}/v1/health", headers={"Origin": ORIGIN})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == ORIGIN
    evil = "http://evil.example"
    bad = httpx.options(f"{live['url']}/v1/context", headers={"Origin": evil, **preflight})
    assert "origin" in assert_problem(bad, 400)["detail"] and "access-control-allow-origin" not in bad.headers
    r = httpx.get(f"{live['url']}/v1/health", headers={**live["auth"], "Origin": evil})
    assert "access-control-allow-origin" not in r.headers


def test_hook_asks_the_running_server(live, monkeypatch):
    monkeypatch.setenv("BRAIN_TOKEN", TOKEN)
    md = hooks._from_server(live["root"], REQUEST, 1000)
    assert md is not None and md.startswith(f"# Context pack: {REQUEST}")
    monkeypatch.setenv("BRAIN_TOKEN", "wrong")
    assert hooks._from_server(live["root"], REQUEST, 1000) is None


def test_stopping_the_server_removes_the_discovery_file(project, tmp_path):
    port = free_port()
    root = copy_app(FASTAPI_APP, tmp_path / "app")
    with Brain.open(root, model="hashing") as brain:
        brain.index()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "-p", str(root), "--port", str(port), "--model", "hashing"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # no token on loopback: open to local callers
        assert httpx.get(f"http://localhost:{port}/v1/health").json()["ready"] is True
        assert hooks.discovery_path(root).exists()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
    assert not hooks.discovery_path(root).exists()


# ---------------------------------------------------------------------- refusing to start


def test_non_loopback_bind_without_token_is_refused(project, monkeypatch):
    monkeypatch.delenv("BRAIN_TOKEN", raising=False)
    result = CliRunner().invoke(cli_app, ["serve", "--project", str(project), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0 without a token" in result.output
    assert "BRAIN_TOKEN" in result.output


def test_bad_settings_are_refused(project, monkeypatch):
    monkeypatch.setenv("BRAIN_PORT", "not-a-port")
    result = CliRunner().invoke(cli_app, ["serve", "--project", str(project)])
    assert result.exit_code == 2 and "invalid setting port" in result.output
    monkeypatch.delenv("BRAIN_PORT")
    result = CliRunner().invoke(cli_app, ["serve", "--project", str(project / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("example.com", False),
        ("::", False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("BRAIN_TOKEN", "  ")
    monkeypatch.setenv("BRAIN_ALLOWED_HOSTS", "a.test, b.test")
    monkeypatch.setenv("BRAIN_CORS_ORIGINS", "http://x.test")
    s = ServerSettings()
    assert s.host == "127.0.0.1" and s.port == 8765 and s.token_value() is None
    assert s.allowed_hosts == ["a.test", "b.test"] and s.cors_origins == ["http://x.test"]
    assert s.host_allowed("b.test:8765") and s.host_allowed("[::1]:8765") and not s.host_allowed("c.test")
    assert not s.host_allowed("")
    assert ServerSettings(host="10.0.0.5", token="t").host_allowed("10.0.0.5:8765")
    assert ServerSettings(allowed_hosts=["*"]).host_allowed("anything")


def test_token_setting_in_process(project):
    app = create_app(ServerSettings(project=project, token=TOKEN, model="hashing"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/v1/health").status_code == 401
        assert c.get("/v1/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # without origins, CORS is off: no headers even for a same-machine page
    with TestClient(create_app(ServerSettings(project=project, model="hashing")), base_url="http://127.0.0.1") as c:
        r = c.get("/v1/health", headers={"Origin": "http://localhost:3000"})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
        assert c.options("/v1/context", headers={"Origin": "http://localhost:3000"}).status_code == 405


@pytest.mark.parametrize("command", ["serve", "mcp", "hook"])
def test_server_commands_have_help_with_examples(command):
    result = CliRunner().invoke(cli_app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"brain {command}" in result.output


def test_mcp_refuses_a_missing_project(tmp_path):
    result = CliRunner().invoke(cli_app, ["mcp", "--project", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output
