"""Command line: `python -m deploy start|serve|apps|config`. A thin layer over deploy.serve and
deploy.config.

  start   one Streamlit process on this machine, warmed as soon as it answers (a class, a talk)
  serve   N Streamlit processes on this machine behind HAProxy, in the foreground
  apps    only the Streamlit processes (an app machine behind another machine's balancer)
  config  print the balancer's configuration for processes on any machines
"""
from __future__ import annotations

import argparse
import os
import sys

from deploy.config import Server, parse_server, render
from deploy.serve import APP, run_apps, serve as run_serve, start as run_start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cores = os.cpu_count() or 1

    start = sub.add_parser("start", help="one warmed Streamlit process on this machine")
    start.add_argument("--port", type=int, default=8501, help="port (default: 8501)")
    start.add_argument("--address", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only; "
                            "0.0.0.0 for every interface)")
    start.add_argument("--app", default=APP, help=f"the Streamlit script (default: {APP})")
    start.add_argument("--browser", action="store_true",
                       help="open the dashboard in this machine's browser once it is ready")

    serve = sub.add_parser("serve", help="Streamlit processes behind HAProxy on this machine")
    serve.add_argument("--processes", type=int, default=cores,
                       help=f"Streamlit processes, about one per core (default: {cores})")
    serve.add_argument("--port", type=int, default=8501, help="readers' port (default: 8501)")
    serve.add_argument("--address", default="*",
                       help="readers' address (default: all interfaces; 127.0.0.1 for this "
                            "machine only)")
    serve.add_argument("--backend-port", type=int, default=None,
                       help="first internal port on 127.0.0.1 (default: --port + 100; 0: any "
                            "free ports)")
    serve.add_argument("--stats-port", type=int, default=None,
                       help="HAProxy's statistics page on 127.0.0.1:PORT (default: none)")
    serve.add_argument("--no-restart", action="store_true",
                       help="leave a process that died out instead of restarting it")
    serve.add_argument("--app", default=APP, help=f"the Streamlit script (default: {APP})")
    serve.add_argument("--no-warm", action="store_true",
                       help="do not warm each process (every page once) as soon as it is healthy")

    apps = sub.add_parser("apps", help="only the Streamlit processes, for a remote balancer")
    apps.add_argument("--processes", type=int, default=cores)
    apps.add_argument("--address", default="127.0.0.1",
                      help="address to listen on: this machine's address on the network the "
                           "balancer reaches it by (default: 127.0.0.1)")
    apps.add_argument("--backend-port", type=int, default=8601, help="first port (default: 8601)")
    apps.add_argument("--no-restart", action="store_true")
    apps.add_argument("--app", default=APP)

    config = sub.add_parser("config", help="print the HAProxy configuration")
    config.add_argument("--server", action="append", default=[], metavar="[NAME=]HOST:PORT",
                        help="a Streamlit process (repeatable; names default to app1, app2, ...)")
    config.add_argument("--port", type=int, default=8501)
    config.add_argument("--address", default="*")
    config.add_argument("--stats-port", type=int, default=None)

    args = parser.parse_args(argv)
    if args.command in ("serve", "apps") and not 1 <= args.processes <= 64:
        parser.error("--processes must be 1..64")
    if args.command == "config":
        try:
            servers = [parse_server(text, i) for i, text in enumerate(args.server, start=1)]
            stats = None if args.stats_port is None else f"127.0.0.1:{args.stats_port}"
            sys.stdout.write(render(f"{args.address}:{args.port}", servers, stats))
        except ValueError as err:
            parser.error(str(err))
        return 0

    if args.command == "start":
        return run_start(args.port, address=args.address, app=args.app,
                         open_browser=args.browser)
    if args.command == "apps":
        servers = [Server(f"app{i}", args.address, args.backend_port + i - 1)
                   for i in range(1, args.processes + 1)]
        return run_apps(servers, args.address, restart=not args.no_restart, app=args.app)
    backend_port = args.port + 100 if args.backend_port is None else args.backend_port
    return run_serve(args.processes, args.port, address=args.address, backend_port=backend_port,
                     stats_port=args.stats_port, restart=not args.no_restart, app=args.app,
                     warm=not args.no_warm)


if __name__ == "__main__":
    sys.exit(main())
