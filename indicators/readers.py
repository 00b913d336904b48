"""Read an input file into a table of text, whatever form a maintainer saved it in.

The maintainers are not programmers: they export from Excel (Finnish Excel writes `;`-separated
CSV in Windows-1252 with decimal commas), download from Sotkanet, or get a Parquet file from a
colleague. So the kind of file, the delimiter, the encoding and the decimal separator are detected
from the content (the extension is only a hint), never asked.

Every cell comes out as stripped text; nothing is converted to a number here, so codes keep their
leading zeros and validation (a later step) sees exactly what the file says. Anything that makes
the file unusable is collected as `Problem`s and raised together as one `InputError`, so the
maintainer can fix every reason in one go. Cell contents put into a Problem are masked with
`mask_identity_codes`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import numbers
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators.problems import InputError, Problem, mask_identity_codes

MAX_CELL_CHARS = 1_000_000
# An .xlsx is a ZIP: a small upload can unpack to gigabytes (a "ZIP bomb"). The sizes its
# directory declares bound what zipfile (and so openpyxl) will ever unpack, so they are checked
# before the workbook is opened. Real indicator workbooks unpack to a few times their size.
MAX_UNPACKED_BYTES = 250_000_000
MAX_REPORTED = 50  # problems of one code reported one by one; the rest are counted
MAX_TITLE_ROWS = 5  # rows with a single filled cell skipped above a header
HEADER_SEARCH_ROWS = 30

SOTKANET_CSV_HEADER = ["indicator", "region", "year", "gender", "primary value", "absolute value"]
SOTKANET_COLUMNS = ["indicator", "area", "period", "sex", "value", "numerator", "denominator"]
SOTKANET_GENDERS = {"male": "male", "female": "female", "total": "total"}
# Sotkanet region category -> (our prefix, digits); MAA is the whole country (SSS).
SOTKANET_CATEGORIES = {"KUNTA": ("KU", 3), "SEUTUKUNTA": ("SK", 3), "HYVINVOINTIALUE": ("HV", 2)}
COUNTRY_CODE = "SSS"

CSV_DELIMITERS = ("\t", ";", ",")  # tie-break order: a tab or `;` in every row is deliberate
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC_KINDS = (
    (b"%PDF", "PDF"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "RAR"),
)
_XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm"}
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # control characters no text file has
_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
_NUMBERISH = re.compile(r"[+-]?[\d\s.,\u00a0\u202f]*\d[\d\s.,\u00a0\u202f]*%?")
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+),\d+\s?%?")
_DECIMAL_POINT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+\s?%?")
# UTF-8 forms of å, ä, ö, Å, Ä, Ö: seen in a file that is not valid UTF-8, the file mixes encodings
_UTF8_NORDIC = (b"\xc3\xa5", b"\xc3\xa4", b"\xc3\xb6", b"\xc3\x85", b"\xc3\x84", b"\xc3\x96")


@dataclass
class RawTable:
    """A table as read from a file: every cell stripped text, nothing interpreted yet."""

    file: str
    frame: pd.DataFrame
    row_numbers: list[int]
    source_format: str
    decimal: str
    encoding: str | None
    delimiter: str | None
    notes: list[tuple[str, dict]] = field(default_factory=list)


# -- entry points -----------------------------------------------------------------------------


def read_table(path: Path, *, display_name: str | None = None, sheet: str | None = None,
               regions_path: Path | None = None, known_areas: set[str] | None = None,
               max_bytes: int = 20_000_000) -> RawTable:
    """Read a CSV, Excel (.xlsx), Parquet or Sotkanet (JSON/CSV) file into a `RawTable`.

    Raises `InputError` with every problem found when the file cannot be read. `sheet` picks an
    Excel sheet by name (default: the first). `regions_path` is Sotkanet's region listing, needed
    only for Sotkanet files; `known_areas` limits Sotkanet rows to the dashboard's areas (the whole
    country is always kept).
    """
    path = Path(path)
    name = Path(display_name).name if display_name else path.name
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    try:
        if not path.is_file():
            raise InputError([Problem("file_unreadable", name)])
        size = path.stat().st_size
        if size > max_bytes:  # before reading a byte of it
            raise InputError([_too_large(name, size, max_bytes)])
        data = path.read_bytes()
    except OSError:
        raise InputError([Problem("file_unreadable", name)]) from None
    if len(data) > max_bytes:  # grew since stat
        raise InputError([_too_large(name, len(data), max_bytes)])

    kind = _sniff(data, name, suffix)
    if kind == "xlsx":
        return _read_xlsx(data, name, sheet)
    if kind == "parquet":
        return _read_parquet(data, name)
    text, encoding = _decode(data, name)
    return _read_text(text, encoding, name, suffix, regions_path, known_areas)


def read_sotkanet_regions(path: Path) -> dict[int, tuple[str, str]]:
    """Sotkanet's region listing as region id -> (category, Sotkanet's own code).

    The listing is the JSON array THL's API gives for regions: objects with `id`, `code`,
    `category`, `title` and `memberOf`. Entries without an integer id or a category are ignored.
    """
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError:
        raise InputError([Problem("sotkanet_regions_missing", name)]) from None
    try:
        listing = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputError([Problem("sotkanet_regions_invalid", name)]) from None
    regions: dict[int, tuple[str, str]] = {}
    if isinstance(listing, list):
        for entry in listing:
            if not isinstance(entry, dict):
                continue
            region_id, category = entry.get("id"), entry.get("category")
            if isinstance(region_id, bool) or not isinstance(category, str):
                continue
            if isinstance(region_id, str) and region_id.strip().isdecimal():
                region_id = int(region_id)
            if not isinstance(region_id, int):
                continue
            code = entry.get("code")
            regions[region_id] = (category.strip().upper(), "" if code is None else str(code))
    if not regions:
        raise InputError([Problem("sotkanet_regions_invalid", name)])
    return regions


def sotkanet_area_code(category: str, code: str) -> str | None:
    """Our area code for a Sotkanet region, or None for a category the dashboard does not use.

    Matched on category AND code: Sotkanet reuses the same numbers across categories (MAAKUNTA 5
    is not KUNTA 5).
    """
    category = category.strip().upper()
    if category == "MAA":
        return COUNTRY_CODE
    spec = SOTKANET_CATEGORIES.get(category)
    code = str(code).strip()
    if spec is None or not re.fullmatch(r"[0-9]+", code):
        return None
    prefix, digits = spec
    number = int(code)
    if len(str(number)) > digits:
        return None
    return f"{prefix}{number:0{digits}d}"


# -- detecting the kind of file ---------------------------------------------------------------


def _too_large(name: str, size: int, max_bytes: int) -> Problem:
    return Problem("file_too_large", name,
                   params={"limit_mb": f"{max_bytes / 1_000_000:g}",
                           "size_mb": f"{size / 1_000_000:.3g}"})


def _sniff(data: bytes, name: str, suffix: str) -> str:
    """'xlsx', 'parquet' or 'text'; raises InputError for everything that cannot be read."""
    if not data.strip():
        raise InputError([Problem("empty_file", name)])
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data, name, suffix)
    if data.startswith(_OLE2_MAGIC):
        raise InputError([Problem("legacy_office", name)])
    if data.startswith(b"PAR1"):
        return "parquet"
    for magic, kind in _MAGIC_KINDS:
        if data.startswith(magic):
            raise InputError([Problem("unsupported_type", name, params={"kind": kind})])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with a byte order mark ("Unicode text" from Excel)
    if b"\x00" in data:
        if suffix in _XLSX_SUFFIXES:
            raise InputError([Problem("damaged_file", name, params={"kind": "Excel"})])
        if suffix == ".parquet":
            raise InputError([Problem("damaged_file", name, params={"kind": "Parquet"})])
        raise InputError([Problem("binary_file", name)])
    return "text"


def _sniff_zip(data: bytes, name: str, suffix: str) -> str:
    """Tell an Excel workbook from the other ZIP-based formats (Word, OpenDocument, plain ZIP)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise InputError([Problem(
                    "unpacks_too_large", name,
                    params={"limit_mb": f"{MAX_UNPACKED_BYTES / 1_000_000:g}",
                            "size_mb": f"{unpacked / 1_000_000:.0f}"})])
            mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        if suffix in _XLSX_SUFFIXES:
            raise InputError([Problem("damaged_file", name, params={"kind": "Excel"})]) from None
        raise InputError([Problem("binary_file", name)]) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        kind = "Excel (.xlsb)"
    elif "word/document.xml" in names:
        kind = "Word (.docx)"
    elif "ppt/presentation.xml" in names:
        kind = "PowerPoint (.pptx)"
    elif mimetype.startswith(b"application/vnd.oasis.opendocument"):
        kind = "OpenDocument (.ods/.odt)"
    else:
        kind = "ZIP"
    raise InputError([Problem("unsupported_type", name, params={"kind": kind})])


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252.

    UTF-8 is tried strictly first: a Windows-1252 file with ä or ö is never valid UTF-8, while
    every UTF-8 file would decode (wrongly) as Windows-1252.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError([Problem("bad_encoding", name)]) from None
    else:
        try:
            if data.startswith(b"\xef\xbb\xbf"):
                text, encoding = data.decode("utf-8-sig"), "utf-8-sig"
            else:
                text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            if any(seq in data for seq in _UTF8_NORDIC):  # part UTF-8, part something else
                raise InputError([Problem("bad_encoding", name)]) from None
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                raise InputError([Problem("bad_encoding", name)]) from None
    text = text.lstrip("\ufeff").rstrip("\x1a")  # a stray BOM; the DOS end-of-file mark
    if "\x00" in text or len(_CONTROLS.findall(text)) > max(4, len(text) // 100):
        raise InputError([Problem("binary_file", name)])
    if not text.strip():
        raise InputError([Problem("empty_file", name)])
    return text, encoding


def _read_text(text: str, encoding: str, name: str, suffix: str, regions_path: Path | None,
               known_areas: set[str] | None) -> RawTable:
    head = text.lstrip()
    lowered = head[:200].lower()
    if lowered.startswith("{\\rtf"):
        raise InputError([Problem("unsupported_type", name, params={"kind": "RTF"})])
    if lowered.startswith(("<!doctype", "<html", "<?xml", "<table", "<head", "<body", "<!--")):
        raise InputError([Problem("unsupported_type", name, params={"kind": "HTML/XML"})])
    if head.startswith(("[", "{")):
        parsed = _try_json(text, name, suffix)
        if parsed is not None:
            return _read_sotkanet_json(parsed, encoding, name, regions_path, known_areas)
    first_line = head.splitlines()[0] if head else ""
    if [c.strip().strip('"').strip().lower() for c in first_line.split(";")] == \
            SOTKANET_CSV_HEADER:
        return _read_sotkanet_csv(text, encoding, name, regions_path, known_areas)
    return _read_csv(text, encoding, name)


def _reject_constant(token: str) -> Any:
    raise ValueError(f"not JSON: {token}")


def _try_json(text: str, name: str, suffix: str) -> list[Any] | None:
    """A Sotkanet JSON array, or None when the text is not JSON at all (then it may be a CSV)."""
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        if suffix == ".json":
            raise InputError([Problem("bad_json", name, row=error.lineno)]) from None
        return None
    except (ValueError, RecursionError):
        if suffix == ".json":
            raise InputError([Problem("bad_json", name)]) from None
        return None
    if isinstance(parsed, list) and not parsed:
        raise InputError([Problem("json_no_rows", name)])
    if isinstance(parsed, list) and isinstance(parsed[0], dict) \
            and {"indicator", "region"} <= set(parsed[0]):
        return parsed
    raise InputError([Problem("unsupported_type", name, params={"kind": "JSON"})])


# -- cells to text ----------------------------------------------------------------------------


def _number_text(number: float) -> str:
    """A float as plain decimal text with `.`: 12.5, 12 (not 12.0), 0.0000001 (not 1e-07)."""
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    text = repr(number)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _shown_value(cell: Any) -> Any:
    """An Excel cell's value as the user sees it: a cell formatted as a percentage holds 0.125
    but shows 12.5 %, and 12.5 is what the file means."""
    value = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if (isinstance(value, int | float) and not isinstance(value, bool) and "%" in fmt
            and not fmt.startswith("@")):
        return round(float(value) * 100, 10)
    return value


def _cell_text(value: Any) -> str:
    """One Excel/Parquet/JSON cell as text (None and NaN as "")."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _number_text(float(value))
    if isinstance(value, Decimal):
        return "" if value.is_nan() else format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    formula = getattr(value, "text", None)  # openpyxl's array and data-table formulas
    if isinstance(formula, str):
        return formula.strip()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _is_text(cell: str) -> bool:
    return bool(cell) and not _NUMBERISH.fullmatch(cell)


def _detect_decimal(cells: Iterable[str], default: str, sample: int = 100_000) -> str:
    """"," or "." by a majority of the decimal numbers among the first `sample` candidates."""
    comma = point = 0
    for cell in cells:
        if "," not in cell and "." not in cell:
            continue
        sample -= 1
        if sample < 0:
            break
        if _DECIMAL_COMMA.fullmatch(cell):
            comma += 1
        elif _DECIMAL_POINT.fullmatch(cell):
            point += 1
    if comma == point:
        return default
    return "," if comma > point else "."


# -- CSV --------------------------------------------------------------------------------------


def _csv_records(text: str, delimiter: str) -> Iterable[tuple[int, list[str]]]:
    """(physical line number where the record starts, fields) for every record of the text."""
    needed = len(text) + 1
    if csv.field_size_limit() < needed:  # only ever raised, never lowered (process-wide)
        csv.field_size_limit(needed)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=True, strict=False)
    previous = 0
    for record in reader:
        yield previous + 1, record
        previous = reader.line_num


def _detect_delimiter(text: str) -> str:
    """The delimiter that splits the sample's records into the same number (>1) of fields."""
    sample = text[:65_536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best: tuple[Any, ...] | None = None
    chosen = ","
    for priority, delimiter in enumerate(reversed(CSV_DELIMITERS)):
        lengths = [len(r) for _, r in _csv_records(sample, delimiter) if r]
        lengths = lengths[:200]
        if not lengths:
            continue
        width, count = Counter(lengths).most_common(1)[0]
        score = (width > 1, round(count / len(lengths), 3), priority)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def _read_csv(text: str, encoding: str, name: str) -> RawTable:
    notes: list[tuple[str, dict]] = []
    lines = text.split("\n", 1)
    sep_hint = _SEP_LINE.match(lines[0].strip())
    skip_to = 1 if sep_hint else 0  # Excel's "sep=;" first line names the delimiter
    if sep_hint:
        delimiter = sep_hint.group(1)
        body = lines[1] if len(lines) > 1 else ""
    else:
        delimiter = _detect_delimiter(text)
        body = text
    strip = str.strip
    records = [(number + skip_to, cells)
               for number, record in _csv_records(body, delimiter)
               if any(cells := list(map(strip, record)))]
    if not records:
        raise InputError([Problem("empty_file", name)])
    header_at = _find_header([r for _, r in records])
    if header_at:
        notes.append(("title_rows_skipped", {"count": header_at,
                                             "header_row": records[header_at][0]}))
    header_number, header = records[header_at]
    problems: list[Problem] = []
    data_rows: list[list[str]] = []
    numbers_: list[int] = []
    width = len(header)
    for number, record in records[header_at + 1:]:
        if len(record) > width and not any(record[width:]):
            record = record[:width]  # Excel pads rows with empty fields: nothing is lost
        if len(record) != width:
            problems.append(Problem("ragged_row", name, row=number,
                                    params={"expected": width, "found": len(record)}))
            continue
        data_rows.append(record)
        numbers_.append(number)
    if records[-1][1] and _unclosed_quote(body, records):
        problems.append(Problem("unclosed_quote", name, row=records[-1][0]))
    default = "," if delimiter == ";" else "."
    decimal = _detect_decimal((c for row in data_rows for c in row), default)
    frame, numbers_ = _build_frame(name, header, header_number, data_rows, numbers_, problems)
    return RawTable(name, frame, numbers_, "csv", decimal, encoding, delimiter, notes)


def _unclosed_quote(body: str, records: Sequence[tuple[int, list[str]]]) -> bool:
    """True when the last record swallowed the rest of the file into an unclosed quoted field."""
    last = records[-1][1]
    return body.count('"') % 2 == 1 and any("\n" in cell or "\r" in cell for cell in last)


# -- shared table assembly --------------------------------------------------------------------


def _find_header(rows: Sequence[Sequence[str]],
                 is_text: Callable[[int, int], bool] | None = None) -> int:
    """Index of the header row among non-empty rows, skipping a short title block above it.

    The header is the first row with at least two filled cells (when the table has two columns)
    whose cells are mostly text, skipping up to five title rows: rows with a single filled cell,
    or rows of two text cells (such as "Source: | THL") above a table more than twice as wide.
    A header of numbers (years as column names) is accepted when no text row comes first.
    """
    def texty(i: int, j: int) -> bool:
        return is_text(i, j) if is_text else _is_text(rows[i][j])

    head = list(range(min(len(rows), HEADER_SEARCH_ROWS)))
    filled = [sum(1 for c in rows[i] if c) for i in head]
    min_filled = 2 if max(filled, default=0) >= 2 else 1
    skipped = 0
    for i in head:
        if skipped > MAX_TITLE_ROWS:
            break
        if filled[i] < min_filled:
            skipped += 1
            continue
        cells = [j for j, c in enumerate(rows[i]) if c]
        text_share = sum(1 for j in cells if texty(i, j)) / len(cells)
        if text_share < 0.5:
            return i  # a header of numbers, or no header at all: validation will tell
        following = filled[i + 1] if i + 1 < len(filled) else 0
        if following and filled[i] <= 2 and filled[i] * 2 < following:
            skipped += 1
            continue
        return i
    return 0


def _build_frame(name: str, header: list[str], header_number: int | None, rows: list[list[str]],
                 numbers_: list[int], problems: list[Problem]
                 ) -> tuple[pd.DataFrame, list[int]]:
    """Check the header and the cells, drop empty unnamed columns, and build the text frame.

    Every row has exactly as many cells as the header. Raises InputError with `problems` plus
    what is found here.
    """
    header = [h.strip().lstrip("\ufeff").strip() for h in header]
    cells_by_column = list(zip(*rows, strict=True)) if rows else [() for _ in header]
    keep: list[int] = []
    seen: dict[str, int] = {}
    for j, title in enumerate(header):
        if not title:
            if any(cells_by_column[j]):
                problems.append(Problem("bad_header", name, row=header_number, column=_shown(title),
                                        params={"position": j + 1}))
            continue
        if title in seen:
            problems.append(Problem("bad_header", name, row=header_number, column=_shown(title),
                                    params={"position": j + 1}))
            continue
        seen[title] = j
        keep.append(j)
    for row, number in zip(rows, numbers_, strict=True):
        if max(map(len, row), default=0) <= MAX_CELL_CHARS:
            continue
        for j, cell in enumerate(row):
            if len(cell) > MAX_CELL_CHARS:
                problems.append(Problem("cell_too_large", name, row=number,
                                        column=_shown(header[j]),
                                        params={"limit": MAX_CELL_CHARS}))
    if not rows and not problems:
        problems.append(Problem("header_only", name, row=header_number))
    if problems:
        raise InputError(_capped(problems))
    columns = {header[j]: list(cells_by_column[j]) for j in keep}
    frame = pd.DataFrame(columns, columns=[header[j] for j in keep], dtype=object)
    return frame, list(numbers_)


def _shown(text: str) -> str:
    """Text from the file as a Problem may show it: identity codes masked, at most 80 characters."""
    return mask_identity_codes(text)[:80]


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most MAX_REPORTED problems of each code, then one `more_problems` with the rest."""
    per_code: Counter[str] = Counter()
    kept: list[Problem] = []
    extra: Counter[str] = Counter()
    files: dict[str, str] = {}
    for problem in problems:
        per_code[problem.code] += 1
        if per_code[problem.code] <= MAX_REPORTED:
            kept.append(problem)
        else:
            extra[problem.code] += 1
            files[problem.code] = problem.file
    for code, count in extra.items():
        kept.append(Problem("more_problems", files[code], params={"count": count, "code": code}))
    return kept


# -- Excel ------------------------------------------------------------------------------------


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> RawTable:
    import openpyxl  # imported here: only Excel files need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # style and extension warnings mean nothing here
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # a damaged workbook can fail anywhere inside openpyxl
        raise InputError([Problem("damaged_file", name, params={"kind": "Excel"})]) from None
    notes: list[tuple[str, dict]] = []
    try:
        sheets = list(workbook.sheetnames)
        worksheets = {ws.title: ws for ws in workbook.worksheets}
        if sheet is not None:
            if sheet not in worksheets:
                raise InputError([Problem("sheet_missing", name,
                                          params={"sheet": _shown(sheet),
                                                  "sheets": _shown(", ".join(sheets))})])
            worksheet = worksheets[sheet]
        else:
            if not workbook.worksheets:
                raise InputError([Problem("empty_file", name)])
            worksheet = workbook.worksheets[0]
            others = [s for s in sheets if s != worksheet.title]
            if others:
                notes.append(("other_sheets_ignored", {"sheet": _shown(worksheet.title),
                                                       "others": _shown(", ".join(others))}))
        try:
            worksheet.reset_dimensions()  # a wrong stored size would cut rows off
            raw_rows = [[_shown_value(cell) for cell in r]
                        for r in worksheet.iter_rows(min_row=1, min_col=1)]
        except Exception:  # damaged sheet XML
            raise InputError([Problem("damaged_file", name,
                                      params={"kind": "Excel"})]) from None
    finally:
        workbook.close()
    table = [(i + 1, row) for i, row in enumerate(raw_rows)]  # Excel row numbers
    return _table_from_values(name, table, "xlsx", notes)


def _table_from_values(name: str, table: list[tuple[int, list[Any]]], source_format: str,
                       notes: list[tuple[str, dict]]) -> RawTable:
    """Excel rows of Python values -> RawTable (decimal "." for the numbers written here)."""
    rows = [(number, [_cell_text(v) for v in values], values) for number, values in table]
    rows = [r for r in rows if any(r[1])]
    if not rows:
        raise InputError([Problem("empty_file", name)])
    width = max(len(r[1]) - next((k for k, c in enumerate(reversed(r[1])) if c), 0)
                for r in rows)
    texts = [(r[1] + [""] * width)[:width] for r in rows]

    def is_text(i: int, j: int) -> bool:
        original = rows[i][2][j] if j < len(rows[i][2]) else None
        return isinstance(original, str) and _is_text(texts[i][j])

    header_at = _find_header(texts, is_text)
    if header_at:
        notes.append(("title_rows_skipped", {"count": header_at, "header_row": rows[header_at][0]}))
    data = texts[header_at + 1:]
    numbers_ = [r[0] for r in rows[header_at + 1:]]
    frame, numbers_ = _build_frame(name, texts[header_at], rows[header_at][0], data, numbers_, [])
    return RawTable(name, frame, numbers_, source_format, ".", None, None, notes)


# -- Parquet ----------------------------------------------------------------------------------

MAX_PARQUET_ROWS = 2_000_000


def _read_parquet(data: bytes, name: str) -> RawTable:
    import pyarrow.parquet as pq

    try:
        rows_declared = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    except Exception:
        raise InputError([Problem("damaged_file", name, params={"kind": "Parquet"})]) from None
    if rows_declared > MAX_PARQUET_ROWS:  # a small file can unpack to millions of rows
        raise InputError([Problem("too_many_rows", name, params={
            "rows": rows_declared, "limit": MAX_PARQUET_ROWS})])
    try:
        import pyarrow as pa

        table = pq.read_table(io.BytesIO(data))
        names = [str(n) for n in table.column_names]
        columns = []
        for i in range(table.num_columns):
            values = table.column(i).to_pylist()
            if table.schema.field(i).type == pa.float32():  # 12.3 as float32 is 12.30000019…
                values = [None if v is None else float(str(np.float32(v))) for v in values]
            columns.append(values)
    except Exception:  # a damaged file can fail anywhere inside pyarrow
        raise InputError([Problem("damaged_file", name, params={"kind": "Parquet"})]) from None
    keep = [j for j, n in enumerate(names) if not n.startswith("__index_level_")]  # pandas index
    header = [names[j].strip() for j in keep]
    count = table.num_rows
    if not keep:
        raise InputError([Problem("empty_file", name)])
    rows = [[_cell_text(columns[j][i]) for j in keep] for i in range(count)]
    numbers_ = list(range(1, count + 1))  # parquet viewers number the data rows from 1
    # no header line in a Parquet file: a header problem has no row to point at
    frame, numbers_ = _build_frame(name, header, None, rows, numbers_, [])
    return RawTable(name, frame, numbers_, "parquet", ".", None, None, [])


# -- Sotkanet ---------------------------------------------------------------------------------


def _regions_for(name: str, regions_path: Path | None) -> dict[int, tuple[str, str]]:
    """The listing, with its problems told against the data file the maintainer brought."""
    if regions_path is None or not Path(regions_path).is_file():
        raise InputError([Problem("sotkanet_regions_missing", name)])
    try:
        return read_sotkanet_regions(Path(regions_path))
    except InputError as error:
        raise InputError([Problem(p.code, name) for p in error.problems]) from None


def _id_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]+\s*", value):
        return int(value)
    return None


def _sotkanet_frame(name: str, records: Iterable[tuple[int, dict[str, Any]]],
                    regions: dict[int, tuple[str, str]], known_areas: set[str] | None
                    ) -> tuple[pd.DataFrame, list[int], int]:
    """Records in Sotkanet's fields -> canonical columns; (frame, row numbers, skipped rows)."""
    problems: list[Problem] = []
    rows: list[list[str]] = []
    numbers_: list[int] = []
    skipped = total = 0

    def bad(number: int, field_name: str, value: Any) -> None:
        shown = _shown(_cell_text(value))
        problems.append(Problem("sotkanet_bad_record", name, row=number, value=shown,
                                params={"field": field_name}))

    for number, record in records:
        total += 1
        region_id = _id_of(record.get("region"))
        if region_id is None:
            bad(number, "region", record.get("region"))
            continue
        if region_id not in regions:
            problems.append(Problem("sotkanet_unknown_region", name, row=number,
                                    value=str(region_id)))
            continue
        area = sotkanet_area_code(*regions[region_id])
        if area is None or (known_areas is not None and area != COUNTRY_CODE
                            and area not in known_areas):
            skipped += 1
            continue
        indicator = _id_of(record.get("indicator"))
        year = _id_of(record.get("year"))
        gender = record.get("gender")
        sex = SOTKANET_GENDERS.get(gender.strip().lower()) if isinstance(gender, str) else None
        value, numerator = record.get("value"), record.get("absValue")
        ok = True
        for field_name, raw, parsed in (("indicator", record.get("indicator"), indicator),
                                        ("year", record.get("year"), year),
                                        ("gender", gender, sex)):
            if parsed is None:
                bad(number, field_name, raw)
                ok = False
        for field_name, raw in (("value", value), ("absValue", numerator)):
            if isinstance(raw, bool | list | dict):
                bad(number, field_name, raw)
                ok = False
        if not ok:
            continue
        rows.append([f"sotkanet:{indicator}", area, str(year), str(sex), _cell_text(value),
                     _cell_text(numerator), ""])
        numbers_.append(number)
    if not problems and not rows:
        problems.append(Problem("sotkanet_no_known_areas", name, params={"count": total}))
    if problems:
        raise InputError(_capped(problems))
    frame = pd.DataFrame(rows, columns=SOTKANET_COLUMNS, dtype=object)
    return frame, numbers_, skipped


def _read_sotkanet_json(parsed: list[Any], encoding: str, name: str, regions_path: Path | None,
                        known_areas: set[str] | None) -> RawTable:
    regions = _regions_for(name, regions_path)
    problems: list[Problem] = []
    records: list[tuple[int, dict[str, Any]]] = []
    for position, item in enumerate(parsed, start=1):
        if isinstance(item, dict):
            records.append((position, item))
        else:
            problems.append(Problem("sotkanet_bad_record", name, row=position,
                                    value=_shown(_cell_text(item)),
                                    params={"field": "-"}))
    if problems:
        raise InputError(_capped(problems))
    frame, numbers_, skipped = _sotkanet_frame(name, records, regions, known_areas)
    notes = [("sotkanet_skipped_regions", {"count": skipped})] if skipped else []
    return RawTable(name, frame, numbers_, "sotkanet_json", ".", encoding, None, notes)


def _read_sotkanet_csv(text: str, encoding: str, name: str, regions_path: Path | None,
                       known_areas: set[str] | None) -> RawTable:
    regions = _regions_for(name, regions_path)
    records = [(n, cells) for n, r in _csv_records(text, ";")
               if any(cells := list(map(str.strip, r)))]
    problems: list[Problem] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    width = len(SOTKANET_CSV_HEADER)
    for number, record in records[1:]:
        if len(record) > width and not any(record[width:]):
            record = record[:width]
        if len(record) != width:
            problems.append(Problem("ragged_row", name, row=number,
                                    params={"expected": width, "found": len(record)}))
            continue
        indicator, region, year, gender, value, absolute = record
        parsed.append((number, {"indicator": indicator, "region": region, "year": year,
                                "gender": gender, "value": value, "absValue": absolute}))
    if not parsed and not problems:
        problems.append(Problem("header_only", name, row=records[0][0]))
    if problems:
        raise InputError(_capped(problems))
    frame, numbers_, skipped = _sotkanet_frame(name, parsed, regions, known_areas)
    decimal = _detect_decimal([*frame["value"], *frame["numerator"]], ".")
    notes = [("sotkanet_skipped_regions", {"count": skipped})] if skipped else []
    return RawTable(name, frame, numbers_, "sotkanet_csv", decimal, encoding, ";", notes)


def problem_codes() -> list[str]:
    """Every Problem code this module can raise (the tests render each in every language)."""
    return ["file_unreadable", "file_too_large", "empty_file", "header_only", "binary_file",
            "unsupported_type", "legacy_office", "damaged_file", "bad_encoding", "bad_header",
            "ragged_row", "cell_too_large", "unclosed_quote", "sheet_missing", "bad_json",
            "json_no_rows", "more_problems", "sotkanet_regions_missing",
            "sotkanet_regions_invalid", "sotkanet_unknown_region", "sotkanet_bad_record",
            "sotkanet_no_known_areas", "too_many_rows", "unpacks_too_large"]


def note_codes() -> list[str]:
    """Every informational note code this module can return (`import.note.<code>`).

    `sotkanet_skipped_regions` is shared with validation, whose catalogue holds its message.
    """
    return ["title_rows_skipped", "other_sheets_ignored", "sotkanet_skipped_regions"]
