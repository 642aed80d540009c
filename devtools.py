"""What the tests and the benchmarks share, and the app does not use: the page list as
dashboard.py declares it, Debian Chromium's path and flags, and a Streamlit server on a free
localhost port. One copy, so a new page or a changed start-up reaches every test and benchmark."""
from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

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
