"""deploy/config.py: the balancer's configuration from deploy/haproxy.cfg.template. The settings
stickiness and failover depend on are in the template; every rendered configuration is one
HAProxy accepts (checked with `haproxy -c` where it is installed)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from deploy.config import (INSTALL_HINT, TEMPLATE, Server, haproxy_path, local_servers,
                           parse_server, render)


def test_one_server_line_per_process_each_with_its_own_cookie():
    text = render("*:8501", local_servers([8601, 8602]))
    assert "bind *:8501" in text
    assert "    server app1 127.0.0.1:8601 cookie app1" in text
    assert "    server app2 127.0.0.1:8602 cookie app2" in text
    assert not re.search(r"@[A-Z]+@", text), "a placeholder was left unfilled"
    assert "listen stats" not in text, "no statistics page unless asked for"
    assert "stats uri /" in render("*:8501", local_servers([8601]), "127.0.0.1:8404")


def test_the_template_keeps_what_sticky_sessions_and_failover_need():
    text = TEMPLATE.read_text(encoding="utf-8")
    for setting in ("mode http",  # websocket upgrade and cookies need HTTP mode
                    "cookie SERVERID insert indirect nocache",  # one browser, one process
                    "option httpchk GET /_stcore/health",  # dead processes leave rotation
                    "option redispatch",  # a cookie naming a dead process goes elsewhere
                    "option persist",  # ... but not one naming a busy process that is alive
                    "timeout check",  # a busy process answers its check late, not never
                    "timeout tunnel",  # an open websocket is not cut after `timeout client`
                    "http-response set-header X-Backend %s"):  # the browser test reads it
        assert setting in text, f"{TEMPLATE.name} lost {setting!r}"


def test_servers_on_other_machines_keep_their_names():
    servers = [parse_server("10.0.0.2:8601", 1), parse_server("b2=10.0.0.3:8601", 2),
               parse_server("[::1]:8602", 3)]
    assert servers == [Server("app1", "10.0.0.2", 8601), Server("b2", "10.0.0.3", 8601),
                       Server("app3", "::1", 8602)]
    assert "server b2 10.0.0.3:8601 cookie b2" in render("*:80", servers)


@pytest.mark.parametrize("text", ["10.0.0.2", "10.0.0.2:", ":8601", "host:99999", "a b=h:1",
                                  "h:port"])
def test_a_malformed_server_is_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="HOST:PORT|name may hold"):
        parse_server(text, 1)


def test_names_must_be_unique_and_there_must_be_a_server():
    with pytest.raises(ValueError, match="unique"):
        render("*:8501", [Server("a", "h1", 1), Server("a", "h2", 1)])
    with pytest.raises(ValueError, match="at least one"):
        render("*:8501", [])


def test_the_config_command_prints_what_render_gives(tmp_path):
    done = subprocess.run([sys.executable, "-m", "deploy", "config", "--server", "10.0.0.2:8601",
                           "--server", "10.0.0.3:8601", "--port", "80"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == render("*:80", [Server("app1", "10.0.0.2", 8601),
                                          Server("app2", "10.0.0.3", 8601)])
    bad = subprocess.run([sys.executable, "-m", "deploy", "config", "--server", "nohost"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr


def test_haproxy_accepts_the_rendered_config(tmp_path):
    haproxy = haproxy_path()
    if haproxy is None:
        message = f"haproxy not found: {INSTALL_HINT} to check the configuration"
        if os.environ.get("REQUIRE_BROWSER"):  # CI installs it with Chromium (.ci/run)
            pytest.fail(message)
        pytest.skip(message)
    config = tmp_path / "haproxy.cfg"
    config.write_text(render("127.0.0.1:8501", local_servers([8601, 8602]), "127.0.0.1:8404"))
    check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True,
                           timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "WARNING" not in check.stdout + check.stderr, check.stdout + check.stderr
