"""Reading keywords from what people bring: CSV files, pasted lines, one keyword typed in.

Pure functions, no Django: bytes and strings in, row dicts and verdicts out. The service
(`apps.planner.services.imports.keywords_add`) does the database part.

Rules, in the words a person sees:
- A CSV file needs a header row. Its columns are found by name, in any order and any case:
  keyword (or query, search term, phrase…), volume (search volume, avg. monthly searches…),
  difficulty (kd, keyword difficulty…), intent, cpc. Other columns are ignored.
- UTF-8 with or without a byte-order mark; `,`, `;` or tab between cells (read from the header
  line); quoting as Excel writes it; lines ending in LF, CRLF or CR alone (old Mac files), even
  mixed, and line breaks inside quoted cells.
- A file that cannot be read as a whole (binary, not UTF-8, a cell past csv's field limit,
  usually a quote that is never closed) is refused with the reason and, where there is one,
  the line; nothing is written. Rows that are bad on their own are reported one by one.
- Numbers may carry thousands separators ("1,200", "1.200", "1 200"), a k/m suffix ("1.2k"),
  a per cent sign (difficulty) or a currency sign (cpc, where "0,45" means 0.45).
- Intent: informational, commercial, transactional or navigational, in any case; also their
  first letters (i, c, t, n) and "info". A list such as "commercial, transactional" keeps the
  first one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from igny8.errors import UserFacingError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_KEYWORD_LENGTH = 255
MAX_VOLUME = 2_147_483_647  # a PostgreSQL integer
MAX_CPC = Decimal("999999.99")  # eight digits, two after the point
CENT = Decimal("0.01")

INTENTS = ("informational", "commercial", "transactional", "navigational")
_INTENT_WORDS = {
    **{name: name for name in INTENTS},
    **{name[0]: name for name in INTENTS},
    "info": "informational",
    "navigation": "navigational",
    "commercial investigation": "commercial",
    "transaction": "transactional",
}

FIELDS = ("keyword", "volume", "difficulty", "intent", "cpc")
# Header names as keyword tools export them, compared after `_header_key` (lower case, units in
# brackets dropped, punctuation as spaces).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "keyword": (
        "keyword",
        "keywords",
        "keyword text",
        "query",
        "queries",
        "top queries",
        "search query",
        "search term",
        "search terms",
        "term",
        "phrase",
        "key phrase",
        "keyphrase",
    ),
    "volume": (
        "volume",
        "search volume",
        "avg monthly searches",
        "average monthly searches",
        "monthly searches",
        "monthly volume",
        "global volume",
        "searches",
        "sv",
    ),
    "difficulty": (
        "difficulty",
        "kd",
        "keyword difficulty",
        "keyword difficulty index",
        "seo difficulty",
    ),
    "intent": ("intent", "intents", "search intent", "keyword intent"),
    "cpc": ("cpc", "cost per click", "avg cpc", "average cpc"),
}
_ALIAS_TO_FIELD = {alias: field for field, aliases in COLUMN_ALIASES.items() for alias in aliases}


class ImportFileError(UserFacingError):
    """The file cannot be imported at all; nothing is written. The message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


# --- files ---------------------------------------------------------------------------------


def size_check(size: int) -> None:
    if size == 0:
        raise ImportFileError(
            "The file is empty. Choose a CSV file with a header row and keywords."
        )
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files and import each."
        )


# "\r\n", "\r" or "\n": the line ends csv reads (and counts in `line_num`).
_LINE_BREAK_BYTES = re.compile(rb"\r\n?|\n")
_LINE = re.compile(r"[^\r\n]+")


def _line_at(data: bytes, index: int) -> int:
    """The line (from 1, as csv counts them) that holds the byte at `index`."""
    return len(_LINE_BREAK_BYTES.findall(data, 0, index)) + 1


def decode(data: bytes) -> str:
    """The file as text (UTF-8, byte-order mark dropped), or ImportFileError."""
    size_check(len(data))
    # A NUL byte never appears in a text CSV; spreadsheets (.xlsx) and images are full of them.
    if b"\x00" in data[:65536] or data[:4] == b"PK\x03\x04":
        raise ImportFileError(
            "This looks like a binary file (a spreadsheet or an image?), not a CSV. "
            "In your spreadsheet choose File › Save as › CSV UTF-8, then import that file."
        )
    # Further in, a NUL is a damaged file; PostgreSQL could not store it in a keyword either.
    if (nul := data.find(b"\x00")) != -1:
        raise ImportFileError(
            f"Line {_line_at(data, nul):,} holds a NUL character, which a text file never has: "
            "the file looks damaged. Export it again as “CSV UTF-8” and import the new file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (line {_line_at(data, exc.start):,} has bytes that are "
            "not). Save it as “CSV UTF-8” from your spreadsheet and import it again."
        ) from None
    if not text.strip():
        raise ImportFileError(
            "The file is empty. Choose a CSV file with a header row and keywords."
        )
    return text


def sniff_delimiter(header_line: str) -> str:
    """`,`, `;` or tab: whichever separates the header line's cells (outside quotes)."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# No header name we know is near this long; a longer cell is not looked at (the unit pattern
# below is quadratic in the number of unclosed brackets).
_HEADER_CELL_MAX = 200


def _header_key(cell: str) -> str:
    if len(cell) > _HEADER_CELL_MAX:
        return ""
    key = cell.strip().lstrip("\ufeff").casefold()
    key = re.sub(r"\(.*?\)|\[.*?\]", " ", key)  # units: "CPC (USD)", "Volume [US]"
    return re.sub(r"[^0-9a-z]+", " ", key).strip()


def header_map(header: list[str]) -> dict[str, int]:
    """Field name → column index, for the columns we know. The first match of a field wins."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = _ALIAS_TO_FIELD.get(_header_key(cell))
        if field and field not in found:
            found[field] = index
    return found


@dataclass(frozen=True)
class CsvFile:
    text: str
    delimiter: str
    header: list[str]
    columns: dict[str, int]
    rows: int  # data rows, blank ones not counted: what `csv_rows` yields


def _csv_error(exc: csv.Error, line: int) -> ImportFileError:
    """csv's complaint in plain words, with the line the unreadable row starts on."""
    if str(exc).startswith("field larger than field limit"):
        return ImportFileError(
            f"Line {line:,}: a cell is longer than {csv.field_size_limit():,} characters, "
            'more than a CSV cell may hold. This usually means a quote mark (") opens a cell '
            f"and is never closed. Check line {line:,}, fix it and import the file again."
        )
    return ImportFileError(
        f"Line {line:,} cannot be read as CSV ({exc}). Fix that line and import the file again."
    )


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line the row starts on, its cells) for every row, blank ones included.

    newline="" hands csv the line ends as the file has them, so a CR alone ends a line and a
    line break inside a quoted cell stays in the cell (without it a CR-only file is one line
    and csv refuses it). csv's errors become ImportFileError with the line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    last_line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _csv_error(exc, last_line + 1) from None
        yield last_line + 1, cells
        last_line = reader.line_num


def _first_line(text: str) -> str:
    """The first line with something on it (the header, unless it has quoted line breaks)."""
    return next((m.group() for m in _LINE.finditer(text) if m.group().strip()), "")


def csv_open(data: bytes) -> CsvFile:
    """Check a CSV upload before anything is written: text, a header row, a keyword column,
    rows under it, and every row readable (one pass of csv over the file, well under a second
    for 20 MB), so a file refused later is refused here, not halfway through a job."""
    text = decode(data)
    delimiter = sniff_delimiter(_first_line(text))
    header: list[str] = []
    columns: dict[str, int] = {}
    rows = 0
    for _line, cells in _records(text, delimiter):
        if not header:
            if any(cell.strip() for cell in cells):
                header, columns = cells, header_map(cells)
                if "keyword" not in columns:
                    break  # refused below, however the rest reads
        elif any(cells):
            rows += 1
    if "keyword" not in columns:
        shown = [c.strip() for c in header if c.strip()][:12]
        listed = ", ".join(f"“{c[:40]}”" for c in shown) or "nothing"
        raise ImportFileError(
            f"No keyword column found. The header row has {listed}. The first row must name "
            "the columns: call the keyword column “keyword” (or “query”, “search term”)."
        )
    if not rows:
        raise ImportFileError(
            "The file has a header row but no keywords under it. Add the keywords below the "
            "header, one per row, and import the file again."
        )
    return CsvFile(text=text, delimiter=delimiter, header=header, columns=columns, rows=rows)


def csv_rows(source: CsvFile) -> Iterator[dict[str, Any]]:
    """Data rows as dicts (line, text, volume, difficulty, intent, cpc, raw); blank lines skipped.

    `line` is the file line the row starts on (the header is line 1 when it is the first line).
    Raises ImportFileError for a row csv cannot read (which `csv_open` has already refused).
    """
    columns = source.columns
    k = columns["keyword"]
    v, d, i, c = (columns.get(f) for f in ("volume", "difficulty", "intent", "cpc"))
    in_header = True
    for line, cells in _records(source.text, source.delimiter):
        if in_header:
            in_header = not any(cell.strip() for cell in cells)
            continue
        if not cells or not any(cells):
            continue
        width = len(cells)
        yield {
            "line": line,
            "text": cells[k] if k < width else "",
            "volume": cells[v] if v is not None and v < width else None,
            "difficulty": cells[d] if d is not None and d < width else None,
            "intent": cells[i] if i is not None and i < width else None,
            "cpc": cells[c] if c is not None and c < width else None,
            "raw": cells,
        }


_NUMERIC_START = re.compile(r"^\s*[-+]?[$€£]?\s*\d")


def paste_rows(text: str) -> Iterator[dict[str, Any]]:
    """Pasted lines: one keyword per line, optionally followed by its numbers.

    "keyword, volume[, difficulty[, intent[, cpc]]]", with commas or tabs (as a spreadsheet
    pastes). With commas, the keyword runs up to the first cell that starts with a number, so
    "paris, france hotels, 900" is the keyword "paris, france hotels" with volume 900.
    """
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        if "\t" in line:
            parts: list[str | None] = list(line.split("\t"))
        else:
            # The keyword runs up to the first cell that starts with a number.
            cells = line.split(",")
            first = next((n for n in range(1, len(cells)) if _NUMERIC_START.match(cells[n])), 0)
            parts = [",".join(cells[:first]), *cells[first:]] if first else [line]
        parts += [None] * (5 - len(parts))
        yield {
            "line": number,
            "text": parts[0],
            "volume": parts[1],
            "difficulty": parts[2],
            "intent": parts[3],
            "cpc": ",".join(p for p in parts[4:] if p) or None,
            "raw": [raw_line],
        }


# --- rows ----------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# "1,200", "1,200.50" (English), "1.200", "1.200,50" (European), "1 200", "1'200".
_GROUPED = (
    (re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$"), ",", "."),
    (re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$"), ".", ","),
    (re.compile(r"^\d{1,3}(?: \d{3})+(?:[.,]\d+)?$"), " ", ","),
    (re.compile(r"^\d{1,3}(?:'\d{3})+(?:\.\d+)?$"), "'", ","),
)
_DECIMAL_COMMA = re.compile(r"^\d*,\d+$")
_DECORATION = re.compile(r"[$€£¥%]|\b(?:usd|eur|gbp)\b")
_SUFFIX = {"k": 1_000, "m": 1_000_000}


@dataclass(slots=True)
class GoodRow:
    line: int
    text: str
    normalized: str
    volume: int
    difficulty: int
    intent: str
    cpc: Decimal | None
    raw: list[str] | None


@dataclass(slots=True)
class BadRow:
    line: int
    text: str
    code: str
    reason: str
    raw: list[str] | None


class _BadNumber(ValueError):
    pass


def _show(value: Any) -> str:
    shown = str(value).strip()
    return f"“{shown[:30]}…”" if len(shown) > 30 else f"“{shown}”"


def _number(value: Any, column: str, *, whole: bool = False) -> Decimal | None:
    """A number as typed by a person or exported by a tool, or None when the cell is empty.

    For whole numbers (volume, difficulty) "1.500" is one thousand five hundred, as in a
    European export; for money (cpc) it is one and a half.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, (float, Decimal)):
        return Decimal(str(value))
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return Decimal(text)
    if not whole and "_" not in text:  # Decimal would read "1_000"; people don't write that
        try:
            number = Decimal(text)  # the common case: "0.45", "12"
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
            raise _BadNumber(f"{column} {_show(value)} is not a number")
    cleaned = _DECORATION.sub("", text.replace("\u00a0", " ").replace("\u202f", " ").casefold())
    cleaned = cleaned.strip()
    sign = ""
    if cleaned[:1] in ("+", "-"):
        sign, cleaned = cleaned[0], cleaned[1:].strip()
    multiplier = 1
    if cleaned[-1:] in _SUFFIX:
        multiplier, cleaned = _SUFFIX[cleaned[-1]], cleaned[:-1].strip()
    for pattern, thousands, decimal in _GROUPED:
        if pattern.match(cleaned):
            cleaned = cleaned.replace(thousands, "").replace(decimal, ".")
            break
    else:
        if _DECIMAL_COMMA.match(cleaned):
            cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(sign + cleaned) * multiplier
    except InvalidOperation:
        raise _BadNumber(f"{column} {_show(value)} is not a number") from None
    if not number.is_finite():
        raise _BadNumber(f"{column} {_show(value)} is not a number")
    return number


def _whole(value: Any, column: str, *, low: int, high: int, range_words: bool) -> int:
    number = _number(value, column, whole=True)
    if number is None:
        return 0
    if range_words and not (low <= number <= high):
        raise _BadNumber(f"{column} must be between {low} and {high} (got {_show(value)})")
    if number < 0:
        raise _BadNumber(f"{column} can't be negative (got {_show(value)})")
    if number > high:
        raise _BadNumber(f"{column} {_show(value)} is too large")
    return int(number.to_integral_value(ROUND_HALF_UP))


def _cpc(value: Any) -> Decimal | None:
    number = _number(value, "cpc")
    if number is None:
        return None
    if number < 0:
        raise _BadNumber(f"cpc can't be negative (got {_show(value)})")
    if number > MAX_CPC:
        raise _BadNumber(f"cpc {_show(value)} is too large")
    return number.quantize(CENT, ROUND_HALF_UP)


def intent_parse(value: Any) -> str | None:
    """The intent's stored name, "" when empty, None when it is not one we know."""
    if value is None:
        return ""
    text = str(value).strip().casefold()
    if not text:
        return ""
    first = re.split(r"[,;|/]", text, maxsplit=1)[0].strip()
    return _INTENT_WORDS.get(first)


def row_check(row: dict[str, Any], *, normalize: Callable[[str], str]) -> GoodRow | BadRow:
    """One row's verdict: the cleaned keyword, or why it cannot be added.

    Checks the row on its own (empty, too long, bad number, unknown intent); duplicates and the
    plan's limit need the rest of the import and the database, so the service checks those.
    `normalize` is the model's own (`normalize_keyword`), passed in to keep this module pure.
    """
    line = int(row.get("line") or 0)
    raw = row.get("raw")
    text = _SPACES.sub(" ", str(row.get("text") or "")).strip()
    if not text:
        return BadRow(line, text, "empty", "empty keyword", raw)
    if len(text) > MAX_KEYWORD_LENGTH:
        return BadRow(
            line,
            text,
            "too_long",
            f"too long ({len(text):,} characters; the limit is {MAX_KEYWORD_LENGTH})",
            raw,
        )
    normalized = normalize(text)
    if not normalized:
        return BadRow(line, text, "empty", "empty keyword (no letters or digits)", raw)
    if len(normalized) > MAX_KEYWORD_LENGTH:  # "ß" → "ss", ligatures spelled out
        return BadRow(
            line, text, "too_long", f"too long (the limit is {MAX_KEYWORD_LENGTH} characters)", raw
        )
    try:
        volume = _whole(row.get("volume"), "volume", low=0, high=MAX_VOLUME, range_words=False)
        difficulty = _whole(row.get("difficulty"), "difficulty", low=0, high=100, range_words=True)
        cpc = _cpc(row.get("cpc"))
    except _BadNumber as exc:
        return BadRow(line, text, "bad_number", str(exc), raw)
    intent = intent_parse(row.get("intent"))
    if intent is None:
        return BadRow(
            line,
            text,
            "unknown_intent",
            f"unknown intent {_show(row.get('intent'))} (use informational, commercial, "
            "transactional or navigational)",
            raw,
        )
    return GoodRow(line, text, normalized, volume, difficulty, intent, cpc, raw)
