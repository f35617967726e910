"""deploy/nginx/tutor.conf in a real nginx (Debian's 1.22) over small loopback upstreams:
cookie stickiness, spread over processes, failover to a live process, unbuffered streaming.

Skipped locally without nginx; failing under CI=true (CI installs it).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from nginxutil import local_nginx, require_nginx

UPSTREAM = r"""
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/stream"):
            return self.stream()
        body = NAME.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.do_GET()

    def stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(3):
            data = f"data: {i}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            time.sleep(0.4)
        self.wfile.write(b"0\r\n\r\n")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Upstream:
    """A tiny HTTP server process standing in for one tutor process: it says which one it is."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "-c", UPSTREAM, name], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def kill(self) -> None:
        """As kill -9 would: every connection to it drops."""
        self.process.kill()
        self.process.wait()


@pytest.fixture
def upstreams() -> Iterator[list[Upstream]]:
    ups = [Upstream("one"), Upstream("two")]
    yield ups
    for up in ups:
        up.kill()


@pytest.fixture
def proxy(upstreams: list[Upstream]) -> Iterator[str]:
    require_nginx()
    port = local_nginx_port()
    with local_nginx.running_nginx(port, [u.port for u in upstreams]):
        yield f"http://127.0.0.1:{port}"


def local_nginx_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_rendered_config_passes_nginx_t(tmp_path: Path) -> None:
    require_nginx()
    conf = local_nginx.prepare(tmp_path, 18080, [17861, 17862, 17863])
    result = local_nginx.check(conf)
    assert result.returncode == 0, result.stderr
    site = conf.read_text()
    assert site.count("server 127.0.0.1:1786") == 3 and "listen 127.0.0.1:18080;" in site


def test_a_learner_sticks_to_one_process(proxy: str) -> None:
    with httpx.Client(base_url=proxy) as learner:
        first = learner.get("/")
        cookie = learner.cookies.get("tutor_route")
        assert cookie and len(cookie) == 32  # nginx's random $request_id
        assert "HttpOnly" in first.headers["set-cookie"]
        served = {learner.get("/config").text for _ in range(20)}
        served |= {learner.post("/gradio_api/queue/join", json={"x": 1}).text}
        assert served == {first.text}
        again = learner.get("/")
        assert "set-cookie" not in again.headers  # set once, not on every response


def test_learners_spread_over_the_processes(proxy: str, upstreams: list[Upstream]) -> None:
    seen: Counter[str] = Counter()
    for _ in range(60):
        with httpx.Client(base_url=proxy) as learner:  # a new browser each time
            seen[learner.get("/").text] += 1
    assert set(seen) == {"one", "two"}
    assert min(seen.values()) >= 12, seen  # not everyone on one process (ip_hash would)


def test_a_dead_process_fails_over_and_the_learner_sticks_to_the_new_one(
    proxy: str, upstreams: list[Upstream]
) -> None:
    with httpx.Client(base_url=proxy) as learner:
        home = learner.get("/").text
        by_name = {u.name: u for u in upstreams}
        by_name[home].kill()
        other = ({"one", "two"} - {home}).pop()
        assert learner.post("/gradio_api/queue/join", json={}).text == other
        assert {learner.get("/config").text for _ in range(10)} == {other}


def test_streams_pass_through_unbuffered(proxy: str) -> None:
    with httpx.Client(base_url=proxy, timeout=10) as learner:
        started = time.monotonic()
        with learner.stream("GET", "/stream") as response:
            pieces = response.iter_text()
            first = next(pieces)
            first_at = time.monotonic() - started
            rest = "".join(pieces)
        total = time.monotonic() - started
    assert first.startswith("data: 0")
    assert "data: 2" in first + rest
    assert first_at < 0.35 < total  # the first event arrived before the stream ended


def test_nginx_tests_skip_locally_but_fail_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_nginx, "nginx_binary", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install nginx"):
        require_nginx()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_nginx()
