"""Command line: `python -m etl build|fetch|check`. A thin layer over etl.build and etl.fetch."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import source as source_list
from etl.build import DEFAULT_OUT, BuildError, build, format_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in [("build", "parse, validate and write data/ from the raw files"),
                            ("fetch", "download the raw files from the publishers (needs internet)"),
                            ("check", "verify data/ against its manifest and schemas")]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--raw-dir", type=Path, default=None,
                       help="folder of raw source folders (default: ../shared/data/raw when present)")
        p.add_argument("--source", action="append", choices=source_list.SOURCE_MODULES,
                       help="only this source (repeatable); default: all")
        p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: data/)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        if name == "fetch":
            p.add_argument("--accept-wonder-terms", action="store_true",
                           help="accept CDC WONDER's data-use restrictions (printed when the "
                                "WONDER queries run); without it the WONDER API is not queried")
            p.add_argument("--wonder-pace", type=float, default=None, metavar="SECONDS",
                           help="seconds between WONDER queries (default and minimum 120, "
                                "the pace CDC asks of automated users)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            report = build(args.raw_dir, args.out, args.source, progress=not args.quiet)
            print(format_summary(report))
        elif args.command == "fetch":
            from etl.fetch import fetch_sources
            # The shared raw folder is read-only; downloads go to ./raw unless told otherwise.
            raw_dir = args.raw_dir or Path("raw")
            for line in fetch_sources(raw_dir, args.source, progress=not args.quiet,
                                      accept_terms=args.accept_wonder_terms,
                                      pace_seconds=args.wonder_pace):
                print(line, flush=True)
        else:
            from etl.verify import verify_data_dir
            problems = verify_data_dir(args.out)
            if problems:
                print("data check FAILED:\n- " + "\n- ".join(problems), file=sys.stderr)
                return 1
            print(f"data check passed: {args.out}")
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        if args.command == "build":
            print(f"{args.out} was left unchanged.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
