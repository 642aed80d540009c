"""What the tests and the benchmarks share, and the app does not use: the page list as
dashboard.py declares it, Debian Chromium's path and flags, and a Streamlit server on a free
localhost port. One copy, so a new page or a changed start-up reaches every test and benchmark."""
from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

import requests

ROOT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]


class DashboardPage(NamedTuple):
    file: str  # "pages/states.py"
    url_path: str  # "states"
    is_default: bool  # Streamlit serves the default page at "/", not at its url_path

    @property
    def served_at(self) -> str:
        """The path the browser opens ("" for the default page)."""
        return "" if self.is_default else self.url_path


def dashboard_pages() -> list[DashboardPage]:
    """Every st.Page(...) in dashboard.py, in menu order, read from its source (importing it
    would run the app): the one list of pages."""
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    pages = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            keywords = {k.arg: k.value for k in node.keywords}
            default = keywords.get("default")
            pages.append(DashboardPage(
                file=node.args[0].value, url_path=keywords["url_path"].value,
                is_default=isinstance(default, ast.Constant) and bool(default.value)))
    return pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(script: Path | str, port: int, *, timeout: float = 90.0) -> subprocess.Popen:
    """`streamlit run script` (relative to the project) headless on 127.0.0.1:port, returned once
    its health check answers. Its output goes to a temporary file (a pipe nobody reads would
    stall a long-running server once full); the end of it is in the error if it exits first."""
    output = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output.seek(0)
            tail = output.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"streamlit run {script} exited with {proc.returncode}: {tail}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_streamlit(proc)
    raise RuntimeError(f"streamlit run {script} did not become healthy within {timeout:.0f} s")


def stop_streamlit(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the balanced setup: `python -m deploy serve` on free ports ---------------------------------

class Balanced(NamedTuple):
    """`python -m deploy serve` started by `start_balanced`: the readers' URL, HAProxy's
    statistics page, and each Streamlit process's name, address and pid (as it announced them)."""
    proc: subprocess.Popen
    url: str
    stats_url: str
    servers: list[dict]
    haproxy_pid: int
    output: Any  # the temporary file its output goes to (read it with `balanced_output`)


def start_balanced(processes: int, *, restart: bool = False,
                   timeout: float = 150.0) -> Balanced:
    """The production setup (`python -m deploy serve`) with `processes` Streamlit processes on
    free 127.0.0.1 ports behind HAProxy on another one, returned once it announced it is ready.
    `restart=False` (--no-restart) leaves a process that was killed out, as a test needs."""
    port, stats_port = free_port(), free_port()
    output = tempfile.TemporaryFile()
    argv = [sys.executable, "-m", "deploy", "serve", "--processes", str(processes),
            "--port", str(port), "--address", "127.0.0.1", "--backend-port", "0",
            "--stats-port", str(stats_port)] + ([] if restart else ["--no-restart"])
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = balanced_output(output)
        ready = next((line for line in text.splitlines()
                      if line.startswith('[deploy] event {"ready"')), None)
        if ready:
            event = json.loads(ready.split(" ", 2)[2])
            return Balanced(proc, event["url"], event["stats"], event["servers"],
                            event["haproxy_pid"], output)
        if proc.poll() is not None:
            raise RuntimeError(f"python -m deploy serve exited with {proc.returncode}: "
                               f"{text[-2000:]}")
        time.sleep(0.3)
    stop_balanced_proc(proc)
    raise RuntimeError(f"python -m deploy serve was not ready within {timeout:.0f} s: "
                       f"{balanced_output(output)[-2000:]}")


def balanced_output(output) -> str:
    output.seek(0)
    return output.read().decode(errors="replace")


def stop_balanced_proc(proc: subprocess.Popen) -> None:
    """SIGTERM, as an operator's Ctrl-C or a service manager would: it stops its children."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def server_status(stats_url: str) -> dict[str, str]:
    """Each balanced server's status as HAProxy's statistics CSV gives it ("UP", "DOWN", ...)."""
    rows = requests.get(f"{stats_url.rstrip('/')}/;csv", timeout=5).text.splitlines()
    header = rows[0].lstrip("# ").split(",")
    status = {}
    for row in rows[1:]:
        fields = dict(zip(header, row.split(",")))
        if fields.get("pxname") == "streamlit" and fields.get("svname") not in ("BACKEND",
                                                                               "FRONTEND"):
            status[fields["svname"]] = fields["status"]
    return status
