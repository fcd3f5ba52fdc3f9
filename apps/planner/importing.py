"""Reading keywords from what people bring: CSV files, pasted lines, one keyword typed in.

Pure functions, no Django: bytes and strings in, row dicts and verdicts out. The service
(`apps.planner.services.imports.keywords_add`) does the database part.

Rules, in the words a person sees:
- A CSV file needs a header row. Its columns are found by name, in any order and any case:
  keyword (or query, search term, phrase…), volume (search volume, avg. monthly searches…),
  difficulty (kd, keyword difficulty…), intent, cpc. Other columns are ignored.
- UTF-8 with or without a byte-order mark; `,`, `;` or tab between cells (read from the header
  line); quoting as Excel writes it.
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


class ImportFileError(Exception):
    """The file cannot be imported at all; nothing is written. The message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def decode(data: bytes) -> str:
    """The file as text (UTF-8, byte-order mark dropped), or ImportFileError."""
    size_check(len(data))
    # A NUL byte never appears in a text CSV; spreadsheets (.xlsx) and images are full of them.
    if b"\x00" in data[:65536] or data[:4] == b"PK\x03\x04":
        raise ImportFileError(
            "This looks like a binary file (a spreadsheet or an image?), not a CSV. "
            "In your spreadsheet choose File › Save as › CSV UTF-8, then import that file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” from your spreadsheet and "
            "import it again."
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


def _header_key(cell: str) -> str:
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

    @property
    def approx_rows(self) -> int:
        """Data rows, counted by line breaks (quoted cells with line breaks count extra)."""
        text = self.text.strip("\r\n")
        breaks = max(text.count("\n"), text.count("\r"))  # "\r" alone: old Mac files
        return breaks if text else 0


def csv_open(data: bytes) -> CsvFile:
    """Check a CSV upload before anything is written: text, a header row, a keyword column."""
    text = decode(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    for header in reader:
        if any(cell.strip() for cell in header):
            break
    columns = header_map(header)
    if "keyword" not in columns:
        shown = [c.strip() for c in header if c.strip()][:12]
        listed = ", ".join(f"“{c[:40]}”" for c in shown) or "nothing"
        raise ImportFileError(
            f"No keyword column found. The header row has {listed}. The first row must name "
            "the columns: call the keyword column “keyword” (or “query”, “search term”)."
        )
    return CsvFile(text=text, delimiter=delimiter, header=header, columns=columns)


def csv_rows(source: CsvFile) -> Iterator[dict[str, Any]]:
    """Data rows as dicts (line, text, volume, difficulty, intent, cpc, raw); blank lines skipped.

    `line` is the file line the row starts on (the header is line 1 when it is the first line).
    """
    reader = csv.reader(io.StringIO(source.text), delimiter=source.delimiter)
    columns = source.columns
    k = columns["keyword"]
    v, d, i, c = (columns.get(f) for f in ("volume", "difficulty", "intent", "cpc"))
    in_header = True
    last_line = 0
    for cells in reader:
        line = last_line + 1
        last_line = reader.line_num
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
