"""Run Streamlit processes, and HAProxy in front of them, in the foreground: start them, wait
until each answers its health check, restart one that dies, stop them all on Ctrl-C or SIGTERM.
A process that dies (or is restarted) is out of the balancer's rotation until it is healthy
again; its readers reconnect to another one."""
from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import webbrowser
from collections.abc import Callable
from pathlib import Path

from deploy.config import INSTALL_HINT, Server, haproxy_path, local_servers, render

ROOT = Path(__file__).resolve().parents[1]
APP = "dashboard.py"
START_TIMEOUT = 120.0
# A process that keeps dying is restarted at most this often, so a broken app does not spin.
RESTART_EVERY = 10.0
POLL_EVERY = 1.0
# util-linux's setpriv starts a command that gets SIGTERM when its parent, this supervisor, dies
# (even by SIGKILL), so no Streamlit or HAProxy process outlives it. (Python's preexec_fn could
# do the same, but is unsafe while threads, like the output copiers, run.)
SETPRIV = shutil.which("setpriv")


def with_parent_death_signal(argv: list[str]) -> list[str]:
    if SETPRIV is None or not sys.platform.startswith("linux"):
        return argv
    return [SETPRIV, "--pdeathsig", "TERM", "--", *argv]


class DeployError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[deploy] {message}", flush=True)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Child:
    """One supervised process whose output is copied to ours, each line prefixed by its name
    (a pipe nobody reads would stall the process once full)."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name, self.argv = name, argv
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> None:
        self.proc = subprocess.Popen(with_parent_death_signal(self.argv), cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        self.started_at = time.monotonic()
        threading.Thread(target=self._copy_output, args=(self.proc,), daemon=True).start()

    def _copy_output(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            print(f"[{self.name}] {line}", end="", flush=True)

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def wait(self, timeout: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def streamlit_child(server: Server, bind_address: str, app: str = APP) -> Child:
    return Child(server.name, [
        sys.executable, "-m", "streamlit", "run", app, "--server.port", str(server.port),
        "--server.address", bind_address, "--server.headless", "true",
        "--browser.gatherUsageStats", "false"])


def healthy(server: Server, timeout: float = 2.0) -> bool:
    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "*") else server.host
    try:
        with urllib.request.urlopen(f"http://{host}:{server.port}/_stcore/health",
                                    timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def wait_healthy(pairs: list[tuple[Server, Child]], stop: threading.Event,
                 timeout: float = START_TIMEOUT) -> None:
    """Return once every process answers /_stcore/health; raise if one exits or time runs out."""
    waiting = list(pairs)
    deadline = time.monotonic() + timeout
    while waiting:
        if stop.is_set():
            raise DeployError("stopped while starting")
        for server, child in list(waiting):
            code = child.exited()
            if code is not None:
                raise DeployError(f"{child.name} ({server.address}) exited with code {code} "
                                  "before it was healthy (its output is above)")
            if healthy(server):
                waiting.remove((server, child))
        if waiting and time.monotonic() > deadline:
            names = ", ".join(child.name for _, child in waiting)
            raise DeployError(f"{names} not healthy within {timeout:.0f} s")
        if waiting:
            stop.wait(0.3)


def _warm_when_healthy(server: Server, child: Child, stop: threading.Event) -> None:
    """A restarted process is warmed too, once its health check answers again."""
    try:
        wait_healthy([(server, child)], stop)
    except DeployError:
        return  # it died again: the supervisor restarts it, and warms that one
    warm_process(server)


def supervise(pairs: list[tuple[Server, Child]], stop: threading.Event, *, restart: bool,
              balancer: Child | None = None, warm: bool = True) -> int:
    """Watch the processes until `stop` is set: restart a Streamlit process that exited (or
    leave it out when `restart` is False); a balancer that exits ends the run with its code."""
    while not stop.wait(POLL_EVERY):
        if balancer is not None and (code := balancer.exited()) is not None:
            log(f"haproxy exited with code {code}; stopping")
            return code or 1
        for server, child in pairs:
            code = child.exited()
            if code is None or not restart:
                continue
            if time.monotonic() - child.started_at < RESTART_EVERY:
                continue
            log(f"{child.name} ({server.address}) exited with code {code}: restarting it; "
                "the balancer sends it readers again once its health check passes")
            child.start()
            announce({"restarted": child.name, "pid": child.proc.pid})
            if warm:
                threading.Thread(target=_warm_when_healthy, args=(server, child, stop),
                                 daemon=True).start()
    return 0


def announce(event: dict) -> None:
    """One machine-readable line (tests and benchmarks read it): `[deploy] event {json}`."""
    log(f"event {json.dumps(event)}")


def _install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum, frame) -> None:
        stop.set()
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _stop_all(children: list[Child]) -> None:
    for child in children:
        child.stop()
    for child in children:
        child.wait(timeout=15)


def run_apps(servers: list[Server], bind_address: str, *, restart: bool = True,
             app: str = APP, on_landing: Callable[[Server], None] | None = None) -> int:
    """Only the Streamlit processes (on a machine behind another machine's balancer).
    `on_landing(server)`: called when a process's landing page is warm."""
    stop = threading.Event()
    _install_signal_handlers(stop)
    pairs = [(s, streamlit_child(s, bind_address, app)) for s in servers]
    try:
        for _, child in pairs:
            child.start()
        wait_healthy(pairs, stop)
        for server, _ in pairs:
            warm_process(server, on_landing=on_landing)
        announce({"ready": True, "servers": [
            {"name": s.name, "address": s.address, "pid": c.proc.pid} for s, c in pairs]})
        return supervise(pairs, stop, restart=restart)
    except DeployError as err:
        log(f"error: {err}")
        return 1
    finally:
        log("stopping")
        _stop_all([c for _, c in pairs])


def start(port: int, *, address: str = "127.0.0.1", app: str = APP,
          open_browser: bool = False) -> int:
    """One Streamlit process on this machine, warmed as soon as it answers (`python -m deploy
    start`): for a class, a talk or a laptop. `streamlit run dashboard.py` runs no app code
    before its first reader's page (Streamlit has no start-up hook outside a session), so that
    reader waits for the imports, tables and figures; here the warm-up has done them first
    (benchmarks/bench_first_visit.py). It accepts readers from its first second, and says (and,
    with `open_browser`, opens the browser) once the landing page is warm: a reader before that
    shares the one core with the warm-up. One process, so presenter rooms work (README)."""
    host = "localhost" if address in ("127.0.0.1", "localhost", "::1", "0.0.0.0") else address
    url = f"http://{host}:{port}"
    log(f"starting the dashboard at {url} (Ctrl-C stops it)")

    def ready(server: Server) -> None:
        log(f"ready: open {url} (its first page is warm; the other pages follow within seconds)")
        if open_browser:
            webbrowser.open(url)

    return run_apps([Server("app1", address, port)], address, app=app, on_landing=ready)


def warm_process(server: Server, on_landing: Callable[[Server], None] | None = None) -> None:
    """Warm one healthy process in the background: every page's default view runs once
    (app.glue.warmup), while the process already accepts readers; `on_landing(server)` once its
    landing page is warm."""
    from app.glue import warmup  # noqa: PLC0415 (imports Streamlit, only when warming)

    host = "127.0.0.1" if server.host in ("0.0.0.0", "::", "*") else server.host
    started = time.monotonic()

    landed = threading.Event()

    def landing(report: dict) -> None:
        landed.set()
        announce({"landing_warm": server.name, "seconds": round(time.monotonic() - started, 1)})
        if on_landing is not None:
            on_landing(server)

    def done(result: object) -> None:
        if isinstance(result, Exception):
            log(f"{server.name}: warm-up failed ({type(result).__name__}: {result}); its pages "
                "are computed at their first visit instead")
            if not landed.is_set() and on_landing is not None:
                on_landing(server)  # it serves readers all the same
            return
        pages = result if isinstance(result, list) else []
        seconds = round(time.monotonic() - started, 1)
        problems = [p["page"] for p in pages if p.get("exceptions") or p.get("errors")]
        log(f"{server.name}: {len(pages)} pages warm after {seconds} s"
            + (f"; these drew an error: {', '.join(problems)}" if problems else ""))
        announce({"warm": server.name, "seconds": seconds, "pages": len(pages),
                  "problems": problems})

    warmup.warm_in_thread(f"http://{host}:{server.port}", done=done, on_first=landing,
                          pause_after_first=warmup.AFTER_LANDING_PAUSE_S)


def serve(processes: int, port: int, *, address: str = "*", backend_port: int = 0,
          stats_port: int | None = None, restart: bool = True, app: str = APP,
          warm: bool = True) -> int:
    """`processes` Streamlit processes on 127.0.0.1 (ports from `backend_port` on, or free ones
    when 0) behind HAProxy on `address`:`port`; returns the exit code. `warm`: warm each process
    as soon as it is healthy (app.glue.warmup), beside the readers, not before them."""
    haproxy = haproxy_path()
    if haproxy is None:
        log(f"error: haproxy not found; {INSTALL_HINT}")
        return 1
    ports = (free_ports(processes) if backend_port == 0
             else list(range(backend_port, backend_port + processes)))
    servers = local_servers(ports)
    stats_bind = None if stats_port is None else f"127.0.0.1:{stats_port}"
    workdir = Path(tempfile.mkdtemp(prefix="dashboard-haproxy-"))
    config_file = workdir / "haproxy.cfg"
    config_file.write_text(render(f"{address}:{port}", servers, stats_bind), encoding="utf-8")
    check = subprocess.run([haproxy, "-c", "-q", "-f", str(config_file)], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        log(f"error: haproxy rejected {config_file}:\n{check.stdout}{check.stderr}")
        return 1

    stop = threading.Event()
    _install_signal_handlers(stop)
    pairs = [(s, streamlit_child(s, "127.0.0.1", app)) for s in servers]
    # -db: stay in the foreground, so this process sees it exit and stops it on exit.
    balancer = Child("haproxy", [haproxy, "-db", "-f", str(config_file)])
    try:
        for _, child in pairs:
            child.start()
        wait_healthy(pairs, stop)
        if warm:
            for server, _ in pairs:
                warm_process(server)
        balancer.start()
        public = f"http://{'127.0.0.1' if address in ('*', '0.0.0.0') else address}:{port}"
        _wait_listening(public, balancer, stop)
        log(f"{processes} Streamlit process(es) behind HAProxy: open {public} "
            f"(config {config_file})")
        announce({"ready": True, "url": public, "config": str(config_file),
                  "stats": None if stats_bind is None else f"http://{stats_bind}/",
                  "haproxy_pid": balancer.proc.pid,
                  "servers": [{"name": s.name, "address": s.address, "pid": c.proc.pid}
                              for s, c in pairs]})
        return supervise(pairs, stop, restart=restart, balancer=balancer, warm=warm)
    except DeployError as err:
        log(f"error: {err}")
        return 1
    finally:
        log("stopping")
        _stop_all([balancer] + [c for _, c in pairs])
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_listening(url: str, balancer: Child, stop: threading.Event, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if balancer.exited() is not None:
            raise DeployError(f"haproxy exited with code {balancer.exited()} (output above)")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        stop.wait(0.2)
    raise DeployError(f"haproxy did not answer on {url} within {timeout:.0f} s")
