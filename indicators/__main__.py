"""Command line for data maintainers: `python -m indicators --help`.

Data goes to stdout, messages to stderr. Writes act as the local operator (the OS user).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from indicators.settings import DEMO_DIR, db_path, local_operator


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_demo(args: argparse.Namespace) -> int:
    from indicators import demo
    from indicators.build import build_demo_store
    from indicators.config import load_config

    config = load_config()
    out_dir = Path(args.tables_dir)
    paths = demo.write_tables(demo.generate(config), out_dir)
    _err(f"wrote {len(paths)} demo tables to {out_dir} (as of {demo.AS_OF.isoformat()})")
    if args.no_store:
        return 0
    path = db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    import_id = build_demo_store(path, config, actor=local_operator(), tables_dir=out_dir)
    _err(f"store {path} built from the demo tables (import {import_id})")
    return 0


def cmd_ensure_store(args: argparse.Namespace) -> int:
    from indicators.build import ensure_store
    from indicators.config import load_config

    path = db_path()
    if ensure_store(path, load_config(), actor=local_operator()):
        _err(f"store {path} built from the bundled demo tables")
    else:
        _err(f"store {path} exists")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from indicators.config import load_config
    from indicators.downloads import to_csv
    from indicators.queries import export_frame
    from indicators.store import StoreReader

    config = load_config()
    indicator = config.indicators.get(args.indicator)
    if indicator is None:
        _err(f"unknown indicator {args.indicator!r}; known: {', '.join(config.indicators)}")
        return 2
    if args.area is not None and args.area not in config.areas:
        _err(f"unknown area {args.area!r}; known: {', '.join(config.areas)}")
        return 2
    path = db_path()
    if not path.exists():
        _err(f"no store at {path}; run `python -m indicators demo` or import data first")
        return 2
    reader = StoreReader(path)
    try:
        frame = export_frame(reader, config, indicator, args.area)
    finally:
        reader.close()
    sys.stdout.write(to_csv(frame))
    _err(f"exported {len(frame)} rows of {indicator.id} "
         f"({int(frame['suppressed'].sum())} suppressed, shown as '..')")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m indicators",
        description="Collective-impact indicator dashboard (Kanta-Häme): data maintenance.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="generate the deterministic demo tables and build the store")
    demo.add_argument("--tables-dir", default=str(DEMO_DIR),
                      help="where to write the demo CSVs (default: data/demo)")
    demo.add_argument("--no-store", action="store_true", help="write the tables only")
    demo.set_defaults(func=cmd_demo)

    ensure = sub.add_parser("ensure-store",
                            help="build the store from the bundled demo tables if it is missing")
    ensure.set_defaults(func=cmd_ensure_store)

    export = sub.add_parser("export", help="export one indicator (suppressed cells stay '..')")
    export.add_argument("--indicator", required=True, help="indicator id from the catalogue")
    export.add_argument("--area", help="area code: that area and the areas below it")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format")
    export.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except Exception as exc:  # a clear message instead of a traceback for maintainers
        from indicators.config import ConfigError
        from indicators.store import StoreError

        if isinstance(exc, ConfigError | StoreError | ValueError):
            _err(f"error: {exc}")
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
