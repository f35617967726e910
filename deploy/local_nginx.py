"""Run deploy/nginx/tutor.conf on one machine without installing it (no root needed).

Renders the site config with your ports into a scratch directory, wraps it in a minimal
nginx.conf (pid, logs and temp files in that directory) and runs Debian's nginx in the
foreground. Used by the tests and benchmarks; also the quickest way to try two processes:

    python deploy/local_nginx.py --listen 8080 --upstream 7861 7862

`--check` only validates the rendered config (`nginx -t`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

SITE = Path(__file__).resolve().parent / "nginx" / "tutor.conf"
NGINX = "/usr/sbin/nginx"
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
_SERVER_LINE = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+ (.*);$", re.MULTILINE)


def nginx_binary() -> str | None:
    return NGINX if os.access(NGINX, os.X_OK) else shutil.which("nginx")


def render_site(
    listen: int, upstreams: Sequence[int], site: Path = SITE, *, show_upstream: bool = False
) -> str:
    """The site config with `listen` and one upstream `server` line per port; with
    `show_upstream`, each response names the process that served it (X-Tutor-Upstream)."""
    text = site.read_text()
    lines = _SERVER_LINE.findall(text)
    if not lines:
        raise ValueError(f"{site} has no `server 127.0.0.1:PORT ...;` upstream lines")
    indent, options = lines[0]
    servers = "\n".join(f"{indent}server 127.0.0.1:{port} {options};" for port in upstreams)
    text = _SERVER_LINE.sub("", text, count=len(lines))
    text = text.replace("upstream tutor {", "upstream tutor {\n" + servers, 1)
    if show_upstream:
        header = "add_header X-Tutor-Upstream $upstream_addr always;"
        text = text.replace(
            "        add_header Set-Cookie", f"        {header}\n        add_header Set-Cookie"
        )
    return re.sub(r"^(\s*)listen 8080;", rf"\g<1>listen 127.0.0.1:{listen};", text, flags=re.M)


def main_config(root: Path, site: str, worker_processes: int = 1) -> str:
    temp = "\n".join(f"    {name}_temp_path {root / 'tmp' / name};" for name in TEMP_DIRS)
    user = "user www-data www-data;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes {worker_processes};
daemon off;
pid {root / "nginx.pid"};
error_log {root / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
{temp}
{site}
}}
"""


def prepare(
    root: Path,
    listen: int,
    upstreams: Sequence[int],
    workers: int = 1,
    *,
    show_upstream: bool = False,
) -> Path:
    """Write the configs under `root`; returns the nginx.conf path."""
    for name in TEMP_DIRS:
        (root / "tmp" / name).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(root / "tmp" / name, "www-data", "www-data")
    conf = root / "nginx.conf"
    site = render_site(listen, upstreams, show_upstream=show_upstream)
    conf.write_text(main_config(root, site, workers))
    return conf


def check(conf: Path) -> subprocess.CompletedProcess[str]:
    binary = nginx_binary() or NGINX
    return subprocess.run(
        [binary, "-t", "-p", str(conf.parent), "-c", str(conf)], capture_output=True, text=True
    )


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port} within {timeout} s")


@contextmanager
def running_nginx(
    listen: int, upstreams: Sequence[int], workers: int = 1, *, show_upstream: bool = False
) -> Iterator[subprocess.Popen[bytes]]:
    """nginx in the foreground with the rendered site, stopped (and cleaned up) on exit."""
    root = Path(tempfile.mkdtemp(prefix="tutor-nginx-"))
    os.chmod(root, 0o755)
    conf = prepare(root, listen, upstreams, workers, show_upstream=show_upstream)
    binary = nginx_binary() or NGINX
    process = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(listen, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=int, default=8080, help="port nginx listens on")
    parser.add_argument("--upstream", type=int, nargs="+", default=[7861, 7862])
    parser.add_argument("--workers", type=int, default=1, help="nginx worker processes")
    parser.add_argument("--check", action="store_true", help="only run `nginx -t`")
    parser.add_argument(
        "--show-upstream", action="store_true", help="add X-Tutor-Upstream to each response"
    )
    args = parser.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as scratch:
            conf = prepare(Path(scratch), args.listen, args.upstream, args.workers)
            result = check(conf)
            print(result.stderr.strip())
            return result.returncode
    with running_nginx(args.listen, args.upstream, args.workers, show_upstream=args.show_upstream):
        print(f"nginx on http://127.0.0.1:{args.listen} -> {args.upstream} (Ctrl+C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
