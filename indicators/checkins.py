"""Quarterly check-ins on key results: confidence 1–10 and three short texts, stored in DuckDB.

A check-in is written through the store's atomic writer, so a failed write leaves the store as it
was. Saving again for the same key result and quarter adds a revision; the newest revision is the
check-in, earlier ones stay in the table (nothing typed is lost). Free text is refused when it
looks like personal data (identity codes, e-mail addresses, phone numbers): check-ins are about
the work, never about a family.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from indicators import audit, auth
from indicators.config import Config
from indicators.i18n import LANGUAGES
from indicators.personal_data import personal_text_kinds
from indicators.queries import Reader
from indicators.store import write_transaction

MAX_TEXT = 2000
MAX_ORGANISATION = 200
TEXT_FIELDS = ("seen", "why", "next_steps")
_QUARTER = re.compile(r"^\d{4}Q[1-4]$")

CHECKIN_DDL = """CREATE TABLE IF NOT EXISTS key_result_checkin (
    key_result_id VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    confidence INTEGER NOT NULL CHECK (confidence BETWEEN 1 AND 10),
    seen VARCHAR NOT NULL,
    why VARCHAR NOT NULL,
    next_steps VARCHAR NOT NULL,
    organisation VARCHAR NOT NULL,
    checkin_date DATE NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    text_lang VARCHAR NOT NULL DEFAULT 'fi',
    PRIMARY KEY (key_result_id, quarter, revision)
)"""
# stores written before check-ins knew their language: the column is added on the next write,
# and until then every text counts as Finnish (all check-ins so far were written in Finnish)
TEXT_LANG_DDL = ("ALTER TABLE key_result_checkin "
                 "ADD COLUMN IF NOT EXISTS text_lang VARCHAR DEFAULT 'fi'")

COLUMNS = ["key_result_id", "quarter", "revision", "confidence", "seen", "why", "next_steps",
           "organisation", "checkin_date", "entered_at", "actor", "source", "text_lang"]


@dataclass(frozen=True)
class CheckIn:
    key_result_id: str
    quarter: str
    confidence: int
    seen: str
    why: str
    next_steps: str
    organisation: str
    checkin_date: date
    text_lang: str = "fi"  # the interface language it was written in: pages mark the text so


@dataclass(frozen=True)
class CheckInProblem:
    field: str  # the form field, or 'key_result_id' / 'quarter'
    code: str  # a key under goals.checkin.problem in the message catalogue
    context: dict[str, object]


class CheckInError(ValueError):
    def __init__(self, problems: list[CheckInProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))


def key_result_ids(config: Config) -> set[str]:
    return {kr.id for o in config.objectives for kr in o.key_results}


def problems(checkin: CheckIn, config: Config, today: date | None = None) -> list[CheckInProblem]:
    """What is wrong with a check-in before it is saved (empty when it can be saved)."""
    out: list[CheckInProblem] = []
    today = today or date.today()
    if checkin.key_result_id not in key_result_ids(config):
        out.append(CheckInProblem("key_result_id", "unknown_key_result",
                                  {"id": checkin.key_result_id}))
    if not _QUARTER.match(checkin.quarter or ""):
        out.append(CheckInProblem("quarter", "bad_quarter", {"value": checkin.quarter}))
    if not isinstance(checkin.confidence, int) or not 1 <= checkin.confidence <= 10:
        out.append(CheckInProblem("confidence", "bad_confidence", {}))
    if checkin.checkin_date > today:
        out.append(CheckInProblem("checkin_date", "future_date", {}))
    if checkin.text_lang not in LANGUAGES:
        raise ValueError(f"unknown text language {checkin.text_lang!r}")  # set by code, not typed
    texts = {name: getattr(checkin, name) for name in TEXT_FIELDS}
    texts["organisation"] = checkin.organisation
    for name, text in texts.items():
        limit = MAX_ORGANISATION if name == "organisation" else MAX_TEXT
        if not (text or "").strip():
            out.append(CheckInProblem(name, "empty", {}))
        elif len(text) > limit:
            out.append(CheckInProblem(name, "too_long", {"limit": limit, "length": len(text)}))
        kinds = personal_text_kinds(text or "")
        if kinds:
            out.append(CheckInProblem(name, "personal", {"kinds": ", ".join(kinds)}))
    return out


def save(path: Path, checkin: CheckIn, config: Config, *, actor: auth.Principal, source: str = "ui",
         today: date | None = None) -> int:
    """Validate and store a check-in as a new revision; returns the revision number.

    Raises `CheckInError` (nothing written) when the check-in has problems, and
    `auth.NotAllowedError` for anyone but a maintainer."""
    name = auth.require_writer(actor, "checkin")
    found = problems(checkin, config, today)
    if found:
        raise CheckInError(found)
    with write_transaction(path, actor=actor) as con:
        revision = _insert(con, checkin, actor=name, source=source)
        stored = {field: value.strip() if isinstance(value, str) else value
                  for field, value in asdict(checkin).items()}  # as _insert stores them
        fields = {**stored, "revision": revision}
        audit.record(con, actor=name, action="checkin",
                     target=f"{checkin.key_result_id} {checkin.quarter}",
                     detail={"revision": revision, "confidence": checkin.confidence,
                             "source": source}, sha256=audit.content_hash(fields))
        return revision


def _insert(con: duckdb.DuckDBPyConnection, checkin: CheckIn, *, actor: str,
            source: str) -> int:
    con.execute(CHECKIN_DDL)
    con.execute(TEXT_LANG_DDL)
    revision = con.execute(
        "SELECT COALESCE(MAX(revision), 0) + 1 FROM key_result_checkin "
        "WHERE key_result_id = ? AND quarter = ?",
        [checkin.key_result_id, checkin.quarter]).fetchone()[0]
    con.execute(
        f"INSERT INTO key_result_checkin ({', '.join(COLUMNS)}) "  # noqa: S608 - names from COLUMNS
        f"VALUES ({', '.join('?' for _ in COLUMNS)})",
        [checkin.key_result_id, checkin.quarter, revision, checkin.confidence,
         checkin.seen.strip(), checkin.why.strip(), checkin.next_steps.strip(),
         checkin.organisation.strip(), checkin.checkin_date,
         datetime.now(UTC).replace(tzinfo=None), actor, source, checkin.text_lang])
    return int(revision)


def replace_demo(con: duckdb.DuckDBPyConnection, checkins: list[CheckIn], *, actor: str) -> None:
    """Within a demo build: drop the earlier demo check-ins (only those) and add `checkins`,
    except where someone has entered a check-in for the same key result and quarter (a demo
    text must never become the newest revision over what a person typed)."""
    con.execute(CHECKIN_DDL)
    con.execute(TEXT_LANG_DDL)
    con.execute("DELETE FROM key_result_checkin WHERE source = 'demo'")
    entered = set(con.execute(
        "SELECT DISTINCT key_result_id, quarter FROM key_result_checkin").fetchall())
    for checkin in checkins:
        if (checkin.key_result_id, checkin.quarter) not in entered:
            _insert(con, checkin, actor=actor, source="demo")


def _table_columns(reader: Reader) -> set[str]:
    """The check-in table's columns (empty when a store has no check-ins table yet)."""
    frame = reader.query_df(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'key_result_checkin'")
    return set(frame["column_name"])


def history(reader: Reader, key_result_ids: list[str] | None = None) -> pd.DataFrame:
    """The current check-ins (newest revision per key result and quarter), oldest quarter first.

    A store written before check-ins existed simply has none."""
    present = _table_columns(reader)
    if not present:
        return pd.DataFrame(columns=COLUMNS)
    selected = [c if c in present else f"'fi' AS {c}" for c in COLUMNS]  # text_lang only
    where, params = "", []
    if key_result_ids is not None:
        if not key_result_ids:
            return pd.DataFrame(columns=COLUMNS)
        where = f"WHERE key_result_id IN ({', '.join('?' for _ in key_result_ids)})"
        params = list(key_result_ids)
    return reader.query_df(
        f"SELECT {', '.join(selected)} "  # noqa: S608 - names from COLUMNS, literals, ? marks
        f"FROM key_result_checkin {where} "
        "QUALIFY revision = MAX(revision) OVER (PARTITION BY key_result_id, quarter) "
        "ORDER BY key_result_id, quarter", params)


def latest_by_key_result(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    """The newest quarter's check-in of each key result in a `history` frame."""
    out: dict[str, dict[str, object]] = {}
    for row in frame.sort_values(["key_result_id", "quarter"]).to_dict("records"):
        out[str(row["key_result_id"])] = row
    return out
