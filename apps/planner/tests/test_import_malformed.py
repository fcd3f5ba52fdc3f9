"""CSV import of files that are odd or broken: every line ending, cells past csv's field limit,
NUL bytes and bad UTF-8 anywhere, header-only files, and a seeded fuzz of hundreds of mutated
files. Never a 500: a file that cannot be read is a 400 with the reason (and the line), and
nothing is written; a file that can be read imports, reporting its bad rows one by one."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from apps.planner.importing import ImportFileError, csv_open, csv_rows, row_check
from apps.planner.models import normalize_keyword
from apps.planner.tests.helpers_import import (
    IMPORT,
    csv_file,
    field_errors,
    keywords,
    page_text,
    sectors_of,
    site_fixture,  # noqa: F401  (fixture "site")
    summary_line,
    texts,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import Job, JobStatus

pytestmark = pytest.mark.django_db

FIELD_LIMIT = 131_072  # csv.field_size_limit() unless someone changes it


def read(data: bytes) -> list[tuple[int, str]]:
    return [(row["line"], row["text"]) for row in csv_rows(csv_open(data))]


def post(ws, site, client_for, data: bytes):
    sector = sectors_of(ws, site)[0]
    return client_for(ws.owner, ws.host).post(IMPORT, {"file": csv_file(data), "sector": sector.pk})


def no_import_recorded(ws) -> bool:
    with schema_context(ws.schema):
        return not Job.objects.filter(kind="keyword_import").exists()


# --- line endings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"keyword\none\n\ntwo\n",
        b"keyword\r\none\r\n\r\ntwo\r\n",
        b"keyword\rone\r\rtwo\r",
        b"keyword\r\none\n\rtwo",
    ],
    ids=["lf", "crlf", "cr", "mixed"],
)
def test_every_line_ending_reads_the_same_rows_and_lines(data):
    assert read(data) == [(2, "one"), (4, "two")]


def test_line_breaks_inside_quoted_cells_stay_in_the_cell_and_lines_count_on():
    data = b'keyword,volume\r"cr\rinside",1\r"crlf\r\ninside",2\r"lf\ninside",3\rlast,4\r'
    assert read(data) == [(2, "cr\rinside"), (4, "crlf\r\ninside"), (6, "lf\ninside"), (8, "last")]


def test_a_file_with_cr_alone_between_lines_imports(alpha, site, client_for):
    response = post(alpha, site, client_for, b"keyword\rone\rtwo\r")
    assert response.status_code == 200
    assert summary_line(response) == "Added 2 · 0 duplicates · 0 rejected"
    assert texts(alpha, site=site) == ["one", "two"]


def test_semicolons_are_found_on_the_first_line_of_a_cr_file():
    data = b"Keyword;Volume\rroof, repair;1.200\r"
    rows = list(csv_rows(csv_open(data)))
    assert [(r["text"], r["volume"]) for r in rows] == [("roof, repair", "1.200")]


# --- files refused whole ---------------------------------------------------------------------


def test_a_cell_past_the_field_limit_is_refused_with_its_line(alpha, site, client_for):
    data = b"keyword\none\ntwo\n" + b"x" * (FIELD_LIMIT + 1) + b"\nthree\n"
    response = post(alpha, site, client_for, data)
    assert response.status_code == 400
    assert (
        "Line 4: a cell is longer than 131,072 characters, more than a CSV cell may hold."
        in field_errors(response)
    )
    assert keywords(alpha, site=site) == []
    assert no_import_recorded(alpha)


def test_a_quote_never_closed_is_named_by_the_line_it_opens_on(alpha, site, client_for):
    data = b'keyword,volume\nfine,1\n"open,2\n' + b"more words,3\n" * 12_000
    response = post(alpha, site, client_for, data)
    assert response.status_code == 400
    errors = field_errors(response)
    assert "Line 3: a cell is longer than 131,072 characters" in errors
    assert 'a quote mark (") opens a cell and is never closed. Check line 3' in errors
    assert keywords(alpha, site=site) == []


def test_a_large_file_broken_at_the_end_is_refused_before_any_job(
    alpha, site, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    lines = ["keyword"] + [f"keyword number {n}" for n in range(2_500)] + ['"never closed']
    data = ("\n".join(lines) + "\n" + "x" * FIELD_LIMIT).encode()
    response = post(alpha, site, client_for, data)
    assert response.status_code == 400
    assert "Line 2,502: a cell is longer than 131,072 characters" in field_errors(response)
    assert no_import_recorded(alpha)
    assert not (tmp_path / "imports").exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b"keyword\n" + b"fine keyword\n" * 7_000 + b"bro\x00ken\n",
            "Line 7,002 holds a NUL character, which a text file never has",
        ),
        (
            b"keyword\r\none\r\n\xed\xa0\x80 lone surrogate\r\n",
            "The file is not UTF-8 text (line 3 has bytes that are not)",
        ),
        (b"keyword,volume\r\n", "The file has a header row but no keywords under it."),
        (b"keyword,volume\n,\n\n,,\n", "The file has a header row but no keywords under it."),
        (b",,,\n;;\n", "No keyword column found. The header row has “;;”."),
        (b" \t\r\n \r \n", "The file is empty."),
        (b'"', "No keyword column found. The header row has nothing."),
        (b"(" * 100_000 + b"\nkeyword\n", "No keyword column found."),
    ],
    ids=[
        "nul-after-64k",
        "lone-surrogate",
        "header-only",
        "header-and-blank-rows",
        "delimiters-only",
        "whitespace-only",
        "lone-quote",
        "long-header-cell",
    ],
)
def test_unreadable_files_are_refused_with_the_reason(data, words, alpha, site, client_for):
    started = time.monotonic()
    response = post(alpha, site, client_for, data)
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert words in field_errors(response)
    assert keywords(alpha, site=site) == []
    assert no_import_recorded(alpha)


def test_thousands_of_columns_and_one_very_long_line_import(alpha, site, client_for):
    header = ",".join(["keyword"] + [f"extra {n}" for n in range(5_000)])
    long_row = ",".join(["wide row"] + ["cell"] * 5_000)
    long_line = "long line," + ",".join(["y" * 100] * 10_000)  # 1 MB, every cell short
    data = f"{header}\n{long_row}\n{long_line}\n{'x' * 300}\n".encode()
    response = post(alpha, site, client_for, data)
    assert response.status_code == 200
    assert summary_line(response) == "Added 2 · 0 duplicates · 1 rejected"
    assert "too long (300 characters; the limit is 255)" in page_text(response)


def test_a_job_given_a_broken_file_fails_with_the_reason_and_is_not_left_running(
    alpha, site, client_for, tmp_path
):
    from apps.planner.jobs.imports import keywords_import
    from igny8 import jobs

    path = tmp_path / "broken.csv"
    path.write_bytes(b"keyword\nfine\n" + b"x" * (FIELD_LIMIT + 1))
    sector = sectors_of(alpha, site)[0]
    with schema_context(alpha.schema):
        job = jobs.enqueue(keywords_import, str(path), sector.pk, user=alpha.owner)
        job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not path.exists()
    status = client_for(alpha.owner, alpha.host).get(f"/planner/import/{job.pk}/")
    assert status.status_code == 200
    assert (
        "The import did not finish. Line 3: a cell is longer than 131,072 characters"
        in page_text(status)
    )
    assert keywords(alpha, site=site) == []


# --- fuzz --------------------------------------------------------------------------------------

WORDS = ["roof repair", "niño", "café crème", "plumber near me", "日本語", "😀 emoji", "a"]
NUMBERS = ["1200", "1,200", "1.200,50", "-5", "+3", "1e999", "NaN", "Infinity", "1.2k", "$3"]
ODD = ['"', '""', "'", "=1+1", "@SUM(A1)", "\u2028", "\x0b", "\x85", "\ufeff", "\t", " ", ""]
HEADERS = [
    ["keyword", "volume", "difficulty", "intent", "cpc"],
    ["Keyword", "Search Volume", "KD %"],
    ["query"],
    ["Volume", "KD"],
    [""],
    ['"keyword'],
]
INSERTS = [b"\x00", b"\xff", b"\xed\xa0\x80", b"\xc3", b'"', b"\r", b"\n", b",", b";", b"\t"]
INSERT_WEIGHTS = [1, 1, 1, 1, 4, 4, 4, 4, 4, 4]


def _cell(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.01:
        return "z" * rng.choice([300, FIELD_LIMIT + rng.randint(1, 50)])
    pool = WORDS if pick < 0.5 else NUMBERS if pick < 0.75 else ODD
    return rng.choice(pool)


def _quoted(cell: str, rng: random.Random) -> str:
    if rng.random() < 0.2:
        inner = cell + rng.choice(["\r", "\n", "\r\n", ""]) + rng.choice(WORDS)
        return '"' + inner.replace('"', '""') + '"'
    return cell


def _text_file(rng: random.Random) -> str:
    delimiter = rng.choices([",", ";", "\t", "|"], weights=[5, 3, 3, 1])[0]
    header = list(rng.choices(HEADERS, weights=[8, 4, 4, 1, 1, 1])[0])
    if rng.random() < 0.05:
        header += [f"col {n}" for n in range(rng.randint(500, 3_000))]
    lines = [delimiter.join(header)]
    for _ in range(rng.randint(0, 25)):
        cells = [_quoted(_cell(rng), rng) for _ in range(rng.randint(0, 7))]
        lines.append(rng.choice([delimiter, ","]).join(cells))
    ends = ["\n", "\r\n", "\r"]
    end = rng.choice(ends)
    text = "".join(line + (rng.choice(ends) if rng.random() < 0.2 else end) for line in lines)
    return ("\ufeff" if rng.random() < 0.2 else "") + text


def _mutate(data: bytes, rng: random.Random) -> bytes:
    buffer = bytearray(data)
    for _ in range(rng.choice([0, 0, 0, 1, 2, 5])):
        at = rng.randint(0, len(buffer))
        operation = rng.random()
        if operation < 0.4:
            buffer[at:at] = rng.choices(INSERTS, weights=INSERT_WEIGHTS)[0]
        elif operation < 0.6:
            del buffer[at : at + rng.randint(1, 20)]
        elif operation < 0.7 and buffer:
            buffer[min(at, len(buffer) - 1)] = rng.randrange(256)
        else:
            buffer[at:at] = buffer[at : at + rng.randint(1, 40)] * rng.randint(1, 3)
    return bytes(buffer)


def fuzz_files(seed: int, count: int) -> Iterator[bytes]:
    """`count` odd and broken CSV files, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        kind = rng.random()
        if kind < 0.03:
            yield rng.choice([b"", b" ", b"\r\r\n", b'"', b",,,;;;\t", b"\xef\xbb\xbf"])
        elif kind < 0.05:
            yield b"keyword\n" + b"padding,1\n" * 7_000 + rng.choice(INSERTS[:4]) + b"tail\n"
        else:
            text = _text_file(rng)
            encoding = rng.choices(["utf-8", "utf-16", "latin-1"], weights=[90, 5, 5])[0]
            yield _mutate(text.encode(encoding, errors="replace"), rng)


def _verdict(data: bytes) -> str:
    """What the import's reading makes of a file, as the view and the job read it: refused
    (with a message) or read (every row checked). Anything else escapes as an exception."""
    try:
        source = csv_open(data)
    except ImportFileError as refused:
        assert refused.message.strip()
        return "refused"
    rows = list(csv_rows(source))
    assert len(rows) == source.rows > 0
    for row in rows:
        row_check(row, normalize=normalize_keyword)
        assert "\x00" not in "".join(row["raw"])
    return "read"


def test_fuzzed_files_are_read_or_refused_with_a_reason_never_an_exception():
    started = time.monotonic()
    verdicts = Counter(_verdict(data) for data in fuzz_files(seed=10, count=1_000))
    assert time.monotonic() - started < 10
    # The generator makes both kinds in good numbers, or it tests little.
    assert verdicts["read"] > 300
    assert verdicts["refused"] > 300


def test_fuzzed_files_posted_to_the_import_page_get_a_page_not_a_500(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(alpha.owner, alpha.host)
    statuses = Counter()
    for data in fuzz_files(seed=1010, count=60):
        response = client.post(IMPORT, {"file": csv_file(data), "sector": sector.pk})
        statuses[response.status_code] += 1
        assert response.status_code in (200, 400), data[:200]
        if response.status_code == 400:
            assert field_errors(response), data[:200]
        else:
            assert summary_line(response).startswith("Added "), data[:200]
    assert statuses[200] > 10
    assert statuses[400] > 10
    with schema_context(alpha.schema):
        assert not Job.objects.exclude(status=JobStatus.SUCCEEDED).exists()
