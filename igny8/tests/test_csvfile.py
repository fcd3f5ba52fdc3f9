"""igny8.csvfile: the one writer of every CSV download. Text a spreadsheet would run as a
formula is written as text; numbers, plain text and the csv module's quoting are untouched."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from igny8.csvfile import csv_cell, csv_lines, csv_response


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "=",
        "-",
        "-3 apples",
        "-1e5",
        "+1.2.x",
    ],
)
def test_text_that_could_run_as_a_formula_gets_a_quote_in_front(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("roof repair", "roof repair"),
        ("", ""),
        (None, ""),
        (" =1+1", " =1+1"),  # not at the start: a spreadsheet reads text
        ("a=b", "a=b"),
        ("'=already", "'=already"),
        ("-3", "-3"),
        ("+1,200.50", "+1,200.50"),
        ("-0,45", "-0,45"),
        (-5, -5),
        (Decimal("-1.50"), Decimal("-1.50")),
        (7, 7),
    ],
)
def test_plain_text_and_numbers_are_written_as_they_are(value, written):
    assert csv_cell(value) == written


def test_lines_quote_as_csv_does_and_read_back_to_the_escaped_cells():
    rows = [["keyword", "=note"], ['say "hi", =now', "line\r\nbreak"], [-1, "@x"]]
    text = "".join(csv_lines(rows))
    assert text.startswith("keyword,'=note\r\n")
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["keyword", "'=note"],
        ['say "hi", =now', "line\r\nbreak"],
        ["-1", "'@x"],
    ]


def test_byte_order_mark_only_when_asked_and_only_once():
    assert "".join(csv_lines([["a"], ["b"]])) == "a\r\nb\r\n"
    assert "".join(csv_lines([["a"], ["b"]], byte_order_mark=True)) == "\ufeffa\r\nb\r\n"


def test_response_streams_an_attachment_with_the_file_name():
    response = csv_response(iter([["keyword"], ["=1+1"]]), filename="keywords-site.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="keywords-site.csv"'
    assert b"".join(response.streaming_content) == b"keyword\r\n'=1+1\r\n"
