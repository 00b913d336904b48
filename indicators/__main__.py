"""Command line for data maintainers: `python -m indicators --help`.

Data goes to stdout, messages to stderr. Writes act as the local operator (the OS user).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from indicators.auth import operator
from indicators.i18n import LANGUAGES
from indicators.settings import DEMO_DIR, db_path


def cmd_audit(args: argparse.Namespace) -> int:
    import json

    from indicators import audit
    from indicators.config import load_config
    from indicators.downloads import to_csv

    reader = _open_store(load_config())
    if reader is None:
        return 2
    try:
        frame = audit.entries(reader).iloc[::-1].reset_index(drop=True)
    finally:
        reader.close()
    frame["logged_at"] = frame["logged_at"].astype(str)
    if args.format == "json":
        records = frame.to_dict("records")
        for record in records:
            record["detail"] = json.loads(record["detail"])
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(to_csv(frame))
    _err(f"{len(frame)} audit entries")
    return 0


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _open_store(config):
    """A reader of the store, or None (with a message) when there is no store yet.

    Like the app, first recomputes the disclosure decisions when the config changed since the
    store was written (a raised `min_n` must hide cells before anything is printed)."""
    from indicators.build import resync_with_config, store_matches_config
    from indicators.store import StoreReader

    path = db_path()
    if not path.exists():
        _err(f"no store at {path}; run `python -m indicators demo` or import data first")
        return None
    reader = StoreReader(path)
    if not store_matches_config(reader, config):
        reader.close()
        resync_with_config(path, config, actor=operator())
        _err("the config changed since the store was written: disclosure decisions recomputed")
        reader = StoreReader(path)
    return reader


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
    import_id = build_demo_store(path, config, actor=operator(), tables_dir=out_dir)
    _err(f"store {path} built from the demo tables (import {import_id})")
    return 0


def cmd_ensure_store(args: argparse.Namespace) -> int:
    from indicators.build import ensure_store
    from indicators.config import load_config

    path = db_path()
    if ensure_store(path, load_config(), actor=operator()):
        _err(f"store {path} built from the bundled demo tables")
    else:
        _err(f"store {path} exists")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from indicators.config import load_config
    from indicators.downloads import to_csv
    from indicators.queries import export_frame

    config = load_config()
    indicator = config.indicators.get(args.indicator)
    if indicator is None:
        _err(f"unknown indicator {args.indicator!r}; known: {', '.join(config.indicators)}")
        return 2
    if args.area is not None and args.area not in config.areas:
        _err(f"unknown area {args.area!r}; known: {', '.join(config.areas)}")
        return 2
    reader = _open_store(config)
    if reader is None:
        return 2
    try:
        frame = export_frame(reader, config, indicator, args.area, args.lang)
    finally:
        reader.close()
    sys.stdout.write(to_csv(frame))
    _err(f"exported {len(frame)} rows of {indicator.id} "
         f"({int(frame['suppressed'].sum())} suppressed, shown as '..')")
    return 0


def _print_problems(report, lang: str) -> None:
    from indicators.i18n import t

    for problem in report.problems:
        _err(f"  {problem.location(lang)}: {problem.message(lang)}")
    for code, params in report.notes:
        _err("  " + t(f"import.note.{code}", lang, **params))


def _rejected(report, lang: str) -> int:
    """Say that the file was refused and why; the exit code of a rejected file."""
    from indicators.i18n import t

    _err(t("import.result.rejected", lang, file=report.file, count=len(report.problems)))
    _print_problems(report, lang)
    return 1


def _file_or_usage_error(path_text: str) -> Path | None:
    path = Path(path_text)
    if not path.is_file():
        _err(f"error: no such file: {path_text}")
        return None
    return path


def cmd_validate(args: argparse.Namespace) -> int:
    from indicators.config import load_config
    from indicators.i18n import t
    from indicators.imports import check_file

    path = _file_or_usage_error(args.file)
    if path is None:
        return 2
    report, _ = check_file(path, load_config(), sheet=args.sheet,
                           regions_path=Path(args.regions) if args.regions else None)
    if report.problems:
        return _rejected(report, args.lang)
    _err(t("import.result.valid", args.lang, file=report.file, rows=report.rows))
    _print_problems(report, args.lang)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from indicators.config import load_config
    from indicators.i18n import t
    from indicators.imports import import_file
    from indicators.store import StoreLockedError

    path = _file_or_usage_error(args.file)
    if path is None:
        return 2
    store = db_path()
    config = load_config()
    if not store.exists():
        from indicators.build import ensure_store

        ensure_store(store, config, actor=operator())
    try:
        report = import_file(path, config, store, actor=operator(), source=args.source,
                             sheet=args.sheet,
                             regions_path=Path(args.regions) if args.regions else None,
                             lock_timeout_s=args.lock_timeout)
    except StoreLockedError:
        return _locked(args.lang, args.lock_timeout)
    if report.problems:
        return _rejected(report, args.lang)
    if report.unchanged:
        _err(t("import.result.unchanged", args.lang, file=report.file))
    else:
        _err(t("import.result.imported", args.lang, import_id=report.import_id,
               rows=report.rows, file=report.file, changed=report.changed))
    _print_problems(report, args.lang)
    return 0


EXIT_LOCKED = 3


def _seconds(text: str) -> float:
    """A --lock-timeout: a finite number of seconds, 0 or more (not nan, inf or negative)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds (0 or more): {text!r}")
    return value


def _locked(lang: str, waited_s: float) -> int:
    """Another writer held the store longer than we were willing to wait: say so, change nothing."""
    from indicators.i18n import t

    _err(t("store.locked_cli", lang, seconds=f"{waited_s:g}"))
    return EXIT_LOCKED


def cmd_imports(args: argparse.Namespace) -> int:
    from indicators.downloads import to_csv
    from indicators.store import StoreReader

    reader = StoreReader(db_path())
    try:
        frame = reader.query_df(
            "SELECT import_id, imported_at, file, sha256, rows, source, actor, outcome "
            "FROM import_log ORDER BY import_id")
    finally:
        reader.close()
    sys.stdout.write(to_csv(frame))
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from indicators.config import load_config
    from indicators.i18n import t
    from indicators.imports import RollbackError, rollback
    from indicators.store import StoreLockedError

    try:
        restored, removed = rollback(db_path(), args.import_id, load_config(),
                                     actor=operator(), lock_timeout_s=args.lock_timeout)
    except StoreLockedError:
        return _locked(args.lang, args.lock_timeout)
    except RollbackError as exc:
        _err(exc.problem.message(args.lang))
        return 1
    _err(t("import.result.rolled_back", args.lang, import_id=args.import_id,
           restored=restored, removed=removed))
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from indicators import fetch
    from indicators.config import load_config
    from indicators.http_fetch import FetchError, describe_all
    from indicators.i18n import t
    from indicators.settings import sources_dir
    from indicators.store import StoreLockedError

    if args.timeout is not None and args.timeout <= 0:
        _err("error: --timeout must be more than 0 seconds")
        return 2
    config = load_config()
    sources = list(fetch.SOURCES) if args.source == "all" else [args.source]
    if args.indicator and args.source != "sotkanet":
        _err("error: --indicator is for `fetch sotkanet`")
        return 2
    if args.base_url and len(sources) > 1:
        _err("error: --base-url names one source's address: fetch one source at a time")
        return 2
    try:
        years = fetch.parse_years(args.years) if args.years else fetch.default_years()
        options = {source: fetch.options_for(
            source, config, sources_dir=sources_dir(), base_url=args.base_url, years=years,
            timeout_s=args.timeout, retries=args.retries, from_cache=args.from_cache,
            indicators=args.indicator if source == "sotkanet" else None) for source in sources}
        plans = {source: (fetch.sotkanet_plan(config, o.base_url, years, o.indicators)
                          if source == "sotkanet" else
                          fetch.population_plan(config, o.base_url, years))
                 for source, o in options.items()}
    except FetchError as error:
        _err(error.message(args.lang))
        return 2
    except ValueError as error:
        _err(f"error: {error}")
        return 2
    if args.dry_run:
        for source, plan in plans.items():
            for line in describe_all(plan.requests):
                sys.stdout.write(line + "\n")
            _err(t("fetch.cli.dry_run", args.lang, source=t(f"fetch.source.{source}", args.lang),
                   requests=len(plan.requests), indicators=", ".join(plan.indicators),
                   years=f"{years[0]}–{years[-1]}"))
        return 0
    store = db_path()
    if not store.exists():
        from indicators.build import ensure_store

        ensure_store(store, config, actor=operator())
    failed = 0
    for source in sources:
        name = t(f"fetch.source.{source}", args.lang)
        try:
            result = fetch.refresh(source, config, store, options[source], actor=operator())
        except StoreLockedError:
            return _locked(args.lang, 60.0)
        except fetch.RefreshFailed as failure:
            _err(t("fetch.cli.failed", args.lang, source=name))
            for line in failure.messages(args.lang):
                _err(f"  {line}")
            failed += 1
            continue
        key = "fetch.cli.unchanged" if result.unchanged else "fetch.cli.refreshed"
        _err(t(key, args.lang, source=name, requests=result.requests, rows=result.rows,
               changed=result.changed, import_id=result.import_id, raw_dir=str(result.raw_dir)))
        if result.from_cache:
            _err(t("fetch.cli.from_cache", args.lang))
        for code, params in result.notes:
            _err("  " + t(f"import.note.{code}", args.lang, **params))
    return 1 if failed else 0


def cmd_catalogue_entry(args: argparse.Namespace) -> int:
    from indicators.sotkanet import draft_yaml

    path = _file_or_usage_error(args.sotkanet_metadata)
    if path is None:
        return 2
    sys.stdout.write(draft_yaml(path))
    _err("a draft entry: check the fields marked CHECK and add it to config/indicators/")
    return 0


def cmd_goals(args: argparse.Namespace) -> int:
    import json

    from indicators import checkins, goals
    from indicators.config import load_config
    from indicators.downloads import to_csv
    from indicators.goal_export import key_result_frame, key_result_records

    config = load_config()
    if args.area is not None and args.area not in config.areas:
        _err(f"unknown area {args.area!r}; known: {', '.join(config.areas)}")
        return 2
    if not config.objectives:
        _err("no goals: config/goals.yaml is missing")
    reader = _open_store(config)
    if reader is None:
        return 2
    try:
        results = [r for r in goals.evaluate(reader, config)
                   if goals.concerns_area(config, r, args.area)]
        history = checkins.history(reader)
    finally:
        reader.close()
    records = key_result_records(results, config, history, args.lang)
    if args.format == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2, allow_nan=False))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(to_csv(key_result_frame(records)))
    counts = goals.status_counts(results)
    _err(f"{len(records)} key results: " + ", ".join(f"{n} {code}" for code, n in counts.items()
                                                      if n))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from indicators import review
    from indicators.config import load_config
    from indicators.review_export import pack_bytes

    config = load_config()
    if args.area not in review.review_areas(config):
        _err(f"unknown review area {args.area!r}; one of {', '.join(review.review_areas(config))}"
             " (a region or the county)")
        return 2
    reader = _open_store(config)
    if reader is None:
        return 2
    try:
        available = review.quarters(reader, config)
        quarter = args.quarter or (available[0] if available else None)
        if quarter not in available:
            _err(f"no review for {quarter!r}; quarters with figures: {', '.join(available)}")
            return 2
        pack = review.build_pack(reader, config, args.area, quarter)
    finally:
        reader.close()
    out = Path(args.out)
    try:
        data = pack_bytes(pack, config, args.format, args.lang)
    except Exception as exc:
        from indicators.review_pdf import ChromiumMissing

        if not isinstance(exc, ChromiumMissing):
            raise
        html = out.with_suffix(".html")
        html.write_bytes(pack_bytes(pack, config, "html", args.lang))
        _err(f"{exc}\nwrote the printable HTML instead: {html}")
        return 1
    out.write_bytes(data)
    _err(f"wrote the review pack of {args.area} for {quarter} ({args.format}, "
         f"{len(data):,} bytes): {out}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    store = db_path()
    if not store.exists():
        _err(f"no store at {store}; nothing to back up")
        return 2
    from indicators.backup import BackupError, create_backup

    try:
        result = create_backup(store, Path(args.dir))
    except BackupError as exc:
        _err(f"error: {exc}")
        return 1
    m = result.manifest
    _err(f"backed up the store {store} ({m['size']:,} bytes; dataset {m['dataset']}, as of "
         f"{m['as_of']}, schema version {m['schema_version']}) to {result.path}")
    _err(f"verified: sha256 {m['sha256']} as in {result.manifest_path.name}, DuckDB opens it "
         f"read-only, row counts match ({sum(m['tables'].values()):,} rows in "
         f"{len(m['tables'])} tables)")
    print(result.path)
    return 0


def _ask_restore(store: Path):
    def ask(checked) -> bool:
        meta = checked.manifest or checked.meta
        _err(f"backup {checked.path}: dataset {meta.get('dataset')}, as of {meta.get('as_of')}, "
             f"made {meta.get('created_at', 'at an unknown time')}, "
             f"{checked.tables.get('observation', 0):,} observations")
        _err(f"This replaces the store {store}; the current store is first saved to "
             f"{store.parent / 'backups'}.")
        print("Restore? [y/N] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline()
        if not sys.stdin.isatty():  # nothing echoed the answer
            _err(answer.strip())
        return answer.strip().lower() in ("y", "yes")

    return ask


def cmd_restore(args: argparse.Namespace) -> int:
    path = _file_or_usage_error(args.file)
    if path is None:
        return 2
    from indicators.backup import (
        BackupCheckError,
        BackupError,
        RestoreCancelled,
        restore_backup,
    )
    from indicators.store import StoreLockedError

    store = db_path()
    try:
        result = restore_backup(path, store, actor=operator(),
                                require_manifest=not args.no_manifest,
                                lock_timeout_s=args.lock_timeout,
                                confirm=None if args.yes else _ask_restore(store.absolute()),
                                notify=_err)
    except RestoreCancelled as exc:
        _err(str(exc))
        return 1
    except BackupCheckError as exc:
        _err(f"refused: {exc}")
        _err(f"the store {store} was not changed")
        return 1
    except (BackupError, StoreLockedError) as exc:
        _err(f"error: {exc}")
        return 1
    source = result.source
    _err(f"restored the store {result.store} from {source.path} (sha256 {source.sha256}; "
         f"dataset {source.meta.get('dataset')}, as of {source.meta.get('as_of')})")
    if result.previous is None:
        _err("there was no store before, so nothing was saved")
    else:
        _err(f"the previous store was saved to {result.previous.path} (verified); restore it "
             "the same way to undo")
        print(result.previous.path)
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    """Create a local maintainer account or replace its password (no echo; never logged)."""
    import getpass

    from indicators import accounts
    from indicators.i18n import t
    from indicators.settings import accounts_path, local_operator

    lang = args.lang
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            _err(t("accounts.cli.needs_tty", lang))
            return 2
        password = getpass.getpass(t("accounts.cli.prompt", lang, user=args.user) + " ")
        if getpass.getpass(t("accounts.cli.prompt_again", lang) + " ") != password:
            _err(t("accounts.cli.mismatch", lang))
            return 1
    try:
        name = accounts.set_password(args.user, password, set_by=local_operator())
    except accounts.AccountError as exc:
        _err(t(f"accounts.error.{exc.code}", lang, **exc.params))
        return 1
    _err(t("accounts.cli.set", lang, user=name, path=str(accounts_path())))
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """The local maintainer accounts as CSV (never the hashes)."""
    from indicators import accounts
    from indicators.downloads import to_csv
    from indicators.i18n import t

    try:
        rows = accounts.statuses()
    except accounts.AccountError as exc:
        _err(t(f"accounts.error.{exc.code}", args.lang, **exc.params))
        return 1
    import pandas as pd

    frame = pd.DataFrame([{"user": r.username, "password_set_at": r.set_at, "set_by": r.set_by,
                           "failures_in_a_row": r.failures,
                           "locked_until": r.locked_until.isoformat() if r.locked_until else ""}
                          for r in rows],
                         columns=["user", "password_set_at", "set_by", "failures_in_a_row",
                                  "locked_until"])
    sys.stdout.write(to_csv(frame))
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from indicators import accounts

    return _account_change(args, accounts.unlock, "accounts.cli.unlocked")


def cmd_remove_user(args: argparse.Namespace) -> int:
    from indicators import accounts

    return _account_change(args, accounts.remove, "accounts.cli.removed")


def _account_change(args: argparse.Namespace, change, done_key: str) -> int:
    """Unlock or remove an account: exit 1 and say so when there is no such account."""
    from indicators import accounts
    from indicators.i18n import t

    try:
        found = change(args.user)
    except accounts.AccountError as exc:
        _err(t(f"accounts.error.{exc.code}", args.lang, **exc.params))
        return 1
    if not found:
        _err(t("accounts.cli.not_found", args.lang, user=args.user))
        return 1
    _err(t(done_key, args.lang, user=accounts.normalise_username(args.user)))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """The benchmark (issue 10): figures only, never a pass or fail on time."""
    from indicators import bench
    from indicators.build import ensure_store
    from indicators.config import load_config

    store = db_path()
    ensure_store(store, load_config(), actor=operator())
    results = bench.run(store, Path(args.out), quick=args.quick, server=not args.no_server,
                        progress=lambda message: _err(f"bench: {message}"))
    sys.stdout.write(bench.table(results) + "\n")
    _err(f"wrote {args.out}")
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
    export.add_argument("--lang", choices=LANGUAGES, default="fi",
                        help="language of the area names (default: Finnish)")
    export.set_defaults(func=cmd_export)

    def file_command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("file", help="CSV, Excel (.xlsx), Parquet or Sotkanet JSON/CSV")
        command.add_argument("--sheet", help="Excel sheet name (default: the first sheet)")
        command.add_argument("--regions",
                             help="Sotkanet /regions listing (JSON) for Sotkanet files")
        command.add_argument("--lang", choices=LANGUAGES, default="fi",
                             help="language of the messages (default: Finnish)")
        command.set_defaults(func=func)
        return command

    file_command("validate", "check a file and report every problem; writes nothing",
                 cmd_validate)
    imp = file_command("import", "validate and import a file atomically (same file twice: no-op)",
                       cmd_import)
    imp.add_argument("--source", default="file", help="source name recorded in the import log")
    lock_help = ("how long to wait for another update to finish before giving up with exit "
                 "status 3 (default: 60)")
    imp.add_argument("--lock-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                     help=lock_help)

    imports = sub.add_parser("imports", help="list the import history as CSV")
    imports.set_defaults(func=cmd_imports)

    back = sub.add_parser("rollback", help="undo the latest import exactly")
    back.add_argument("import_id", type=int, help="the import to undo (see `imports`)")
    back.add_argument("--lang", choices=LANGUAGES, default="fi",
                      help="language of the messages (default: Finnish)")
    back.add_argument("--lock-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                      help=lock_help)
    back.set_defaults(func=cmd_rollback)

    trail = sub.add_parser("audit", help="the audit trail of every change, oldest first")
    trail.add_argument("--format", choices=["csv", "json"], default="csv", help="output format")
    trail.set_defaults(func=cmd_audit)

    goals = sub.add_parser("goals", help="every key result with its progress and status "
                                          "(hidden figures are null with suppressed: true)")
    goals.add_argument("--area", help="area code: the key results of that area's region "
                                      "(a county or the country: all)")
    goals.add_argument("--format", choices=["json", "csv"], default="json",
                       help="output format (default: json)")
    goals.add_argument("--lang", choices=LANGUAGES, default="fi",
                       help="language of names and texts (default: Finnish)")
    goals.set_defaults(func=cmd_goals)

    rev = sub.add_parser("review", help="the quarterly review pack of a region or the county "
                                        "as a printable HTML, PDF, Excel workbook or slide deck")
    rev.add_argument("--area", required=True, help="a region (SK051, SK052, SK053) or the county")
    rev.add_argument("--quarter", help="e.g. 2026Q3 (default: the latest complete quarter)")
    rev.add_argument("--format", choices=["html", "pdf", "xlsx", "pptx"], default="html",
                     help="file format (default: html)")
    rev.add_argument("--out", required=True, help="the file to write")
    rev.add_argument("--lang", choices=LANGUAGES, default="fi",
                     help="language of the pack (default: Finnish)")
    rev.set_defaults(func=cmd_review)

    backup = sub.add_parser("backup", help="write a verified copy of the store and its manifest "
                                           "into DIR (does not block writers)")
    backup.add_argument("dir", metavar="DIR",
                        help="directory for dashboard-<UTC time>.duckdb and .json (created)")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="check a backup and replace the store with it "
                                             "(the current store is saved first)")
    restore.add_argument("file", metavar="FILE", help="a backup .duckdb with its .json manifest")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.add_argument("--no-manifest", action="store_true",
                         help="accept a file without a manifest (only the DuckDB and schema "
                              "checks are then possible)")
    restore.add_argument("--lock-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                         help="how long to wait for another writer to finish (default: 60)")
    restore.set_defaults(func=cmd_restore)

    def account_command(name: str, help_text: str, func) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("user", metavar="USER", help="user name (a-z, 0-9, '.', '_', '-')")
        command.add_argument("--lang", choices=LANGUAGES, default="fi",
                             help="language of the messages (default: Finnish)")
        command.set_defaults(func=func)
        return command

    password = account_command(
        "set-password", "create a local maintainer account or replace its password (asked "
        "twice, not shown; also lifts a lockout)", cmd_set_password)
    password.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of standard input")
    account_command("unlock", "lift an account's lockout after repeated wrong passwords",
                    cmd_unlock)
    account_command("remove-user", "delete a local maintainer account (its sessions end)",
                    cmd_remove_user)
    users = sub.add_parser("users", help="list the local maintainer accounts as CSV")
    users.add_argument("--lang", choices=LANGUAGES, default="fi",
                       help="language of the messages (default: Finnish)")
    users.set_defaults(func=cmd_users)

    bench = sub.add_parser("bench", help="measure page reruns (demo and national data), the "
                           "national import against DuckDB's read_csv, cold start, 10 concurrent "
                           "sessions and peak memory; print a table, write JSON")
    bench.add_argument("--quick", action="store_true",
                       help="5 reruns per page and a small generated country (a few minutes)")
    bench.add_argument("--no-server", action="store_true",
                       help="skip the browser part (cold start, concurrency, memory)")
    bench.add_argument("--out", default="bench/results.json", help="the JSON file to write")
    bench.set_defaults(func=cmd_bench)

    fetch_cmd = sub.add_parser(
        "fetch", help="refresh open data: Sotkanet's indicators of the catalogue, or the "
                      "population from Statistics Finland (the only command that uses the "
                      "network)")
    fetch_cmd.add_argument("source", choices=["sotkanet", "population", "all"],
                           help="what to refresh (all: the population first, then Sotkanet)")
    fetch_cmd.add_argument("--indicator", nargs="+", metavar="ID",
                           help="only these Sotkanet indicators (catalogue ids or Sotkanet "
                                "numbers; default: every catalogue indicator with "
                                "source_ref sotkanet:<id>)")
    fetch_cmd.add_argument("--years", help="e.g. 2019-2025 (default: 2019 to last year)")
    fetch_cmd.add_argument("--base-url", help="the source's address, e.g. a mirror or proxy "
                                              "(default: config/site.yaml sources:, else the "
                                              "public address)")
    fetch_cmd.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                           help="give up on an unanswered request after this long (default: "
                                "site.yaml sources:, else 30)")
    fetch_cmd.add_argument("--retries", type=int, choices=range(0, 6), metavar="N",
                           help="retries after a timeout, a lost connection, 429 or 5xx, with "
                                "growing pauses (0-5; default: site.yaml sources:, else 3)")
    fetch_cmd.add_argument("--dry-run", action="store_true",
                           help="print the requests it would make, fetch nothing")
    fetch_cmd.add_argument("--from-cache", action="store_true",
                           help="re-use answers stored by an earlier fetch (same URL and body) "
                                "instead of the network; fails if one is missing")
    fetch_cmd.add_argument("--lang", choices=LANGUAGES, default="fi",
                           help="language of the messages (default: Finnish)")
    fetch_cmd.set_defaults(func=cmd_fetch)

    entry = sub.add_parser("catalogue-entry",
                           help="draft a catalogue entry from Sotkanet indicator metadata")
    entry.add_argument("--sotkanet-metadata", required=True,
                       help="the JSON of Sotkanet's /rest/1.1/indicators/{id}")
    entry.set_defaults(func=cmd_catalogue_entry)
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
