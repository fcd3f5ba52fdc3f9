"""Every CSV file the app hands out is written here: the keyword export, an import's rejected
rows, the credit ledger. One writer, so one rule keeps a spreadsheet from running what a
customer (or anyone who got text into a keyword, a note or an uploaded file) typed.

The rule (OWASP, "CSV Injection"): a text cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return is written with a `'` in front, which spreadsheets show as text and never run.
Numbers are written as they are: an int or Decimal, and text that is a plain number such as
"-3" or "+1,200.50" (a row of a file a person uploaded), cannot run and would only be spoiled
by the quote. Cells are not otherwise changed; quoting and line ends are the csv module's.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)*")
BYTE_ORDER_MARK = "\ufeff"


def csv_cell(value: object) -> object:
    """A value as it is safe to write: numbers unchanged, None empty, text that a spreadsheet
    would read as a formula behind a `'`."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):  # bool is an int: written True/False
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A file that hands back what is written to it, so csv.writer makes one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]], *, byte_order_mark: bool = False) -> Iterator[str]:
    """The rows (the header first) as CSV lines, every cell through `csv_cell`.

    `byte_order_mark` starts the file with one so that Excel reads it as UTF-8 (it guesses a
    legacy code page otherwise); it costs scripts that do not expect it a stray first
    character, so each download chooses.
    """
    writer = csv.writer(_Echo())
    first = True
    for row in rows:
        line = writer.writerow([csv_cell(value) for value in row])
        if first and byte_order_mark:
            line = BYTE_ORDER_MARK + line
        first = False
        yield line


def csv_response(
    rows: Iterable[Iterable[object]], *, filename: str, byte_order_mark: bool = False
) -> StreamingHttpResponse:
    """A download of the rows as a CSV file, streamed as they come (a queryset's iterator is
    never held in memory whole)."""
    response = StreamingHttpResponse(
        csv_lines(rows, byte_order_mark=byte_order_mark), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
