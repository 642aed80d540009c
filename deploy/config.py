"""The balancer's configuration: deploy/haproxy.cfg.template with its listening address, one
`server` line per Streamlit process (on this machine or others) and an optional statistics page
filled in. One template, so a single machine and a rack of them run the same settings."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import NamedTuple

TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg.template"
# Debian installs haproxy in /usr/sbin, which is not on every user's PATH.
HAPROXY_CANDIDATES = ("haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
INSTALL_HINT = "install Debian's package: `sudo apt-get install haproxy`"


class Server(NamedTuple):
    """One Streamlit process the balancer sends readers to."""
    name: str  # also the cookie value: the same name must mean the same process on every balancer
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def parse_server(text: str, number: int) -> Server:
    """`HOST:PORT` or `NAME=HOST:PORT` (from the command line) as a Server; unnamed ones are
    called app<number>."""
    name, _, address = text.rpartition("=")
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"server {text!r}: expected HOST:PORT or NAME=HOST:PORT, "
                         "e.g. 10.0.0.2:8601")
    name = name or f"app{number}"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"server {text!r}: the name may hold letters, digits, '_', '.', '-'")
    return Server(name, host.strip("[]"), int(port))


def local_servers(ports: list[int], host: str = "127.0.0.1") -> list[Server]:
    return [Server(f"app{i}", host, port) for i, port in enumerate(ports, start=1)]


def render(bind: str, servers: list[Server], stats_bind: str | None = None) -> str:
    """The HAProxy configuration for `servers` behind `bind` (e.g. "*:8501"), with the statistics
    page (HTML, and CSV at /;csv) on `stats_bind` when given."""
    if not servers:
        raise ValueError("the balancer needs at least one server")
    names = [s.name for s in servers]
    if len(set(names)) != len(names):
        raise ValueError(f"server names must be unique (they are the cookie values): {names}")
    server_lines = "\n".join(f"    server {s.name} {s.address} cookie {s.name}" for s in servers)
    stats = "" if stats_bind is None else (
        "\nlisten stats\n"
        f"    bind {stats_bind}\n"
        "    stats enable\n"
        "    stats uri /\n"
        "    stats refresh 5s\n")
    text = TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in (("@BIND@", bind), ("@SERVERS@", server_lines),
                               ("@STATS@", stats)):
        if placeholder not in text:
            raise ValueError(f"{TEMPLATE}: placeholder {placeholder} is missing")
        text = text.replace(placeholder, value)
    return text.rstrip() + "\n"


def haproxy_path() -> str | None:
    """The haproxy executable, or None when it is not installed."""
    for candidate in HAPROXY_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None
