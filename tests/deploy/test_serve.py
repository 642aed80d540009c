"""deploy/serve.py: the supervisor behind `python -m deploy serve`, with stand-in processes
(the browser test tests/browser/test_balancer.py runs the real setup). A Streamlit process that
dies is restarted (or left out with --no-restart), the balancer's exit ends the run, and no child
outlives the supervisor, even one killed with SIGKILL."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from deploy import serve
from deploy.config import Server

SERVER = Server("app1", "127.0.0.1", 1)


def python_child(name: str, code: str) -> serve.Child:
    return serve.Child(name, [sys.executable, "-c", code])


@pytest.fixture()
def fast(monkeypatch):
    monkeypatch.setattr(serve, "POLL_EVERY", 0.05)
    monkeypatch.setattr(serve, "RESTART_EVERY", 0.0)


def supervise_until(pairs, condition, *, restart: bool, balancer=None, timeout: float = 10.0):
    """Run `supervise` in a thread until `condition()` holds (or it returns); its exit code."""
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault(
        "code", serve.supervise(pairs, stop, restart=restart, balancer=balancer)))
    thread.start()
    deadline = time.monotonic() + timeout
    while not condition() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    return result.get("code")


def test_a_process_that_exits_is_restarted(fast, capsys):
    child = python_child("app1", "import sys; sys.exit(3)")
    starts = []
    original = child.start
    child.start = lambda: (starts.append(time.monotonic()), original())
    child.start()
    code = supervise_until([(SERVER, child)], lambda: len(starts) >= 3, restart=True)
    assert code == 0 and len(starts) >= 3
    out = capsys.readouterr().out
    assert "app1 (127.0.0.1:1) exited with code 3: restarting it" in out
    assert '[deploy] event {"restarted": "app1"' in out


def test_with_no_restart_a_dead_process_stays_out(fast):
    child = python_child("app1", "import sys; sys.exit(3)")
    child.start()
    child.proc.wait(timeout=10)
    first = child.proc
    supervise_until([(SERVER, child)], lambda: False, restart=False, timeout=0.5)
    assert child.proc is first


def test_the_balancer_exiting_ends_the_run_with_its_code(fast):
    app = python_child("app1", "import time; time.sleep(30)")
    balancer = python_child("haproxy", "import sys; sys.exit(7)")
    app.start()
    balancer.start()
    try:
        assert supervise_until([(SERVER, app)], lambda: False, restart=True,
                               balancer=balancer) == 7
    finally:
        serve._stop_all([app, balancer])
    assert app.exited() is not None


def test_serve_without_haproxy_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(serve, "haproxy_path", lambda: None)
    assert serve.serve(2, 8501) == 1
    assert "apt-get install haproxy" in capsys.readouterr().out


def test_a_process_that_dies_before_it_is_healthy_is_named(fast):
    child = python_child("app1", "print('cannot start'); import sys; sys.exit(4)")
    child.start()
    with pytest.raises(serve.DeployError, match=r"app1 \(127.0.0.1:1\) exited with code 4"):
        serve.wait_healthy([(SERVER, child)], threading.Event(), timeout=10)


def test_no_child_outlives_a_supervisor_killed_with_sigkill():
    supervisor = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from deploy.serve import Child
        child = Child("sleeper", [sys.executable, "-c",
                                  "import time; print('started', flush=True); time.sleep(60)"])
        child.start()
        print(child.proc.pid, flush=True)
        time.sleep(60)
        """)], cwd=serve.ROOT, stdout=subprocess.PIPE, text=True)
    try:
        child_pid = int(supervisor.stdout.readline())
        # Its output comes through the supervisor: once it printed, it runs (and is set to
        # get SIGTERM when its parent dies).
        assert supervisor.stdout.readline() == "[sleeper] started\n"
        supervisor.kill()
        supervisor.wait(timeout=10)
        deadline = time.monotonic() + 5
        while _running(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child_pid), "the child outlived its supervisor"
    finally:
        supervisor.kill()
        supervisor.stdout.close()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_start_runs_one_process_warms_every_page_and_stops_on_sigterm():
    """`python -m deploy start`, for real: it names its address, the process answers its health
    check, every page is warmed with no error, and SIGTERM stops it with nothing left listening."""
    import json
    import signal
    import urllib.request

    from devtools import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "deploy", "start", "--port", str(port)],
                            cwd=serve.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 180
        warm = None
        while warm is None and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith('[deploy] event {"warm"'):
                warm = json.loads(line.split("event ", 1)[1])
        assert warm is not None, "".join(lines[-30:])
        said = "".join(lines)
        assert f"[deploy] starting the dashboard at http://localhost:{port}" in said
        ready = said.index(f"[deploy] ready: open http://localhost:{port}")
        assert ready < said.index('[deploy] event {"warm"'), "ready once the landing page is"
        assert '[deploy] event {"landing_warm": "app1"' in said
        assert warm["pages"] >= 10 and warm["problems"] == [], warm
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
            assert r.status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()


def test_a_failed_warm_up_still_says_ready_and_why(monkeypatch, capsys):
    from app.glue import warmup

    def failing(url, *, done, on_first, pause_after_first):
        done(RuntimeError("connection refused"))

    monkeypatch.setattr(warmup, "warm_in_thread", failing)
    readies: list[Server] = []
    serve.warm_process(SERVER, on_landing=readies.append)
    assert readies == [SERVER], "the process serves readers all the same"
    assert "app1: warm-up failed (RuntimeError: connection refused)" in capsys.readouterr().out
