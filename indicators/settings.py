"""Where things live: the store file and the config directory (env overrides)."""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = REPO_ROOT / "data" / "dashboard.duckdb"
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"
DEMO_DIR = REPO_ROOT / "data" / "demo"


def db_path() -> Path:
    """The DuckDB store: env `DASHBOARD_DB` or `data/dashboard.duckdb`."""
    return Path(os.environ.get("DASHBOARD_DB") or DEFAULT_DB)


def accounts_path() -> Path:
    """Local maintainer accounts (password hashes): env `DASHBOARD_ACCOUNTS`, else
    `accounts.json` beside the store. Never in git (.gitignore)."""
    return Path(os.environ.get("DASHBOARD_ACCOUNTS") or db_path().parent / "accounts.json")


def sources_dir() -> Path:
    """Raw answers of the open-data sources, with their provenance: env `DASHBOARD_SOURCES`,
    else `sources/` beside the store (`data/sources/`). Never in git (.gitignore)."""
    return Path(os.environ.get("DASHBOARD_SOURCES") or db_path().parent / "sources")


def config_dir() -> Path:
    """The config directory: env `DASHBOARD_CONFIG` or `config/`."""
    return Path(os.environ.get("DASHBOARD_CONFIG") or DEFAULT_CONFIG_DIR)


def local_operator() -> str:
    """The actor recorded for CLI writes: the OS user running the command."""
    try:
        return f"os:{getpass.getuser()}"
    except Exception:  # no passwd entry in some containers
        return f"os:uid{os.getuid()}"


@contextlib.contextmanager
def environment(**values: str | None) -> Iterator[None]:
    """Set (or, with None, remove) environment variables for the block, then restore them
    (what processes started in the block inherit, or what code reading them sees)."""
    def apply(settings: dict[str, str | None]) -> None:
        for name, value in settings.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    previous = {name: os.environ.get(name) for name in values}
    try:
        apply(values)
        yield
    finally:
        apply(previous)
