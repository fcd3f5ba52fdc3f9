"""CSV import: reading files as keyword tools write them, every reason a row is refused, files
refused whole (nothing written), the plan's limit, the job for large files, who may import."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from apps.planner.importing import ImportFileError, csv_open, csv_rows
from apps.planner.models import KeywordSource
from apps.planner.services.keywords_add import keywords_add
from apps.planner.tests.helpers_import import (
    HX,
    IMPORT,
    csv_file,
    field_errors,
    keyword_limit,
    keywords,
    page_text,
    put_keyword,
    reasons,
    sectors_of,
    site_fixture,  # noqa: F401  (fixture "site")
    summary_line,
    texts,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import Job
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def add(ws, **kwargs):
    """The service, called as the pages and jobs call it: inside the workspace's schema."""
    with schema_context(ws.schema):
        return keywords_add(account=ws.account, **kwargs)


def read(data: str | bytes) -> list[dict]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(csv_rows(csv_open(raw)))


# --- reading files (no database) ---------------------------------------------------------------


def test_columns_are_found_by_name_in_any_order_with_aliases_and_extras_ignored():
    rows = read(
        "Search Volume,Position,Query,KD %,CPC (USD),Search Intent\n"
        "1200,3,plumber near me,45,2.50,Transactional\n"
    )
    assert rows == [
        {
            "line": 2,
            "text": "plumber near me",
            "volume": "1200",
            "difficulty": "45",
            "intent": "Transactional",
            "cpc": "2.50",
            "raw": ["1200", "3", "plumber near me", "45", "2.50", "Transactional"],
        }
    ]


@pytest.mark.parametrize(
    "header",
    ["keyword", "Keyword", "KEYWORDS", "query", "Search term", "Top queries", "Phrase"],
)
def test_keyword_column_aliases(header):
    assert [r["text"] for r in read(f"{header}\nroof repair\n")] == ["roof repair"]


def test_bom_and_semicolons_as_excel_writes_them():
    data = '\ufeffKeyword;Volume;CPC\n"roof; repair";"1.200";"0,45"\n"say ""hi""";5;1\n'
    rows = read(data.encode("utf-8"))
    assert [(r["text"], r["volume"], r["cpc"]) for r in rows] == [
        ("roof; repair", "1.200", "0,45"),
        ('say "hi"', "5", "1"),
    ]


def test_line_numbers_count_blank_lines_and_cells_with_line_breaks():
    rows = read('keyword,volume\n\nfirst,1\n"two\nlines",2\nthird,3\n')
    assert [(r["line"], r["text"]) for r in rows] == [(3, "first"), (4, "two\nlines"), (6, "third")]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty"),
        (b"\n\n  \n", "The file is empty"),
        (b"keyword\x00\x01\x02binary", "binary file"),
        (b"PK\x03\x04 a zipped spreadsheet", "binary file"),
        ("keyword\ncafé crème\n".encode("latin-1"), "not UTF-8"),
        (b"volume,difficulty\n10,20\n", "No keyword column found"),
    ],
)
def test_files_that_cannot_be_read_are_refused_with_the_reason(data, words):
    with pytest.raises(ImportFileError) as refused:
        csv_open(data)
    assert words in refused.value.message


def test_no_keyword_column_message_names_the_columns_found():
    with pytest.raises(ImportFileError) as refused:
        csv_open(b"Term Frequency;Volume;Notes\nx;1;y\n")
    assert "“Term Frequency”, “Volume”, “Notes”" in refused.value.message


# --- the service: every reason a row is not added -----------------------------------------


def test_every_reason_a_row_is_refused_while_good_rows_are_kept(alpha, site):
    sector = sectors_of(alpha, site)[0]
    put_keyword(alpha, sector, "Already Here")
    put_keyword(alpha, sector, "thrown away", trashed=True)
    data = (
        "keyword,volume,difficulty,intent,cpc\n"
        "good one,1200,30,informational,1.25\n"
        "roof repair,1200,40,C,0.5\n"
        ",10,1,,\n"
        f"{'x' * 256},1,1,,\n"
        "bad volume,lots,1,,\n"
        "bad difficulty,1,140,,\n"
        "negative volume,-5,1,,\n"
        "negative cpc,1,1,,-1\n"
        "odd intent,1,1,curious,\n"
        "Roof  Repair!,5,5,,\n"
        "already here,1,1,,\n"
        "THROWN AWAY,1,1,,\n"
        "gutter cleaning,1.2k,7,transactional,$3\n"
    )
    report = add(
        alpha,
        site=site,
        sector=sector,
        rows=csv_rows(csv_open(data.encode())),
        source=KeywordSource.CSV,
    )
    got = {r.line: (r.code, r.reason) for r in report.not_added}
    assert got == {
        4: ("empty", "empty keyword"),
        5: ("too_long", "too long (256 characters; the limit is 255)"),
        6: ("bad_number", "volume “lots” is not a number"),
        7: ("bad_number", "difficulty must be between 0 and 100 (got “140”)"),
        8: ("bad_number", "volume can't be negative (got “-5”)"),
        9: ("bad_number", "cpc can't be negative (got “-1”)"),
        10: (
            "unknown_intent",
            "unknown intent “curious” (use informational, commercial, transactional or "
            "navigational)",
        ),
        11: ("duplicate_in_file", "duplicate of line 3"),
        12: ("duplicate", "already in this sector"),
        13: ("trashed", "in the trash — restore it"),
    }
    assert (report.added, report.duplicates, report.rejected) == (3, 3, 7)
    assert report.summary == "Added 3 · 3 duplicates · 7 rejected"
    saved = {k.text: k for k in keywords(alpha, sector=sector, source="csv")}
    assert set(saved) == {"good one", "roof repair", "gutter cleaning"}
    assert saved["roof repair"].volume == 1200
    assert saved["roof repair"].intent == "commercial"
    assert saved["roof repair"].cpc == Decimal("0.50")
    assert (saved["gutter cleaning"].volume, saved["gutter cleaning"].cpc) == (1200, Decimal("3"))
    assert saved["gutter cleaning"].intent == "transactional"


def test_the_plan_limit_takes_the_first_rows_that_fit_and_refuses_the_rest(alpha, site):
    sector = sectors_of(alpha, site)[0]
    put_keyword(alpha, sector, "one already")
    keyword_limit(alpha, 4)  # one used, three places left
    rows = [{"line": n, "text": f"keyword {n}"} for n in range(1, 7)]
    report = add(alpha, site=site, sector=sector, rows=rows, source=KeywordSource.CSV)
    assert report.added == 3
    assert [(r.line, r.reason) for r in report.not_added] == [
        (4, "over the plan's keyword limit"),
        (5, "over the plan's keyword limit"),
        (6, "over the plan's keyword limit"),
    ]
    assert texts(alpha, site=site) == ["keyword 1", "keyword 2", "keyword 3", "one already"]


def test_a_workspace_already_at_its_limit_adds_nothing(alpha, site):
    sector = sectors_of(alpha, site)[0]
    put_keyword(alpha, sector, "one")
    put_keyword(alpha, sector, "two")
    keyword_limit(alpha, 1)  # over, say after a downgrade
    report = add(
        alpha,
        site=site,
        sector=sector,
        rows=[{"line": 1, "text": "three"}],
        source=KeywordSource.MANUAL,
    )
    assert (report.added, report.rejected) == (0, 1)
    assert texts(alpha, site=site) == ["one", "two"]


def test_the_same_keyword_may_live_in_two_sectors(alpha, site):
    first, second = sectors_of(alpha, site)
    put_keyword(alpha, first, "roof repair")
    report = add(
        alpha,
        site=site,
        sector=second,
        rows=[{"line": 1, "text": "roof repair"}],
        source=KeywordSource.MANUAL,
    )
    assert report.added == 1
    assert len(keywords(alpha, normalized="roof repair")) == 2


# --- the page ------------------------------------------------------------------------------


def test_owner_imports_a_small_file_and_sees_the_summary(alpha, site, client_for):
    sector = sectors_of(alpha, site)[1]
    put_keyword(alpha, sector, "old one")
    data = "\ufeffKeyword;Search Volume;KD;Intent\nroof repair;1.500;20;i\nold one;1;1;\nbad;x;1;\n"
    response = client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file(data), "sector": sector.pk}
    )
    assert response.status_code == 200
    assert summary_line(response) == "Added 1 · 1 duplicate · 1 rejected"
    assert reasons(response) == {3: "already in this sector", 4: "volume “x” is not a number"}
    assert "Download rejected rows (CSV)" in page_text(response)
    saved = keywords(alpha, sector=sector, source="csv")
    assert [(k.text, k.volume, k.difficulty, k.intent) for k in saved] == [
        ("roof repair", 1500, 20, "informational")
    ]


def test_rejected_rows_download_with_line_reason_and_original_columns(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(alpha.owner, alpha.host)
    data = "Query,Volume,Notes\ngood,10,fine\n,5,no keyword\nworse,-3,negative\n"
    client.post(IMPORT, {"file": csv_file(data), "sector": sector.pk})
    with schema_context(alpha.schema):
        record = Job.objects.get(kind="keyword_import")
    response = client.get(f"/planner/import/{record.pk}/rejected.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(body))) == [
        ["line", "keyword", "reason", "Query", "Volume", "Notes"],
        ["3", "", "empty keyword", "", "5", "no keyword"],
        ["4", "worse", "volume can't be negative (got “-3”)", "worse", "-3", "negative"],
    ]


def test_rejected_rows_download_keeps_spreadsheets_from_running_formulas(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(alpha.owner, alpha.host)
    data = (
        "Query,Volume,=Notes\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",lots,@SUM(A1)\n'
        "+cmd|' /C calc'!A0,-3,\"\ttab\"\n"
        '-2+3,x,"\rcr"\n'
    )
    client.post(IMPORT, {"file": csv_file(data), "sector": sector.pk})
    with schema_context(alpha.schema):
        record = Job.objects.get(kind="keyword_import")
    response = client.get(f"/planner/import/{record.pk}/rejected.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffline,")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline="")))
    hyperlink = '=HYPERLINK("http://evil.example","x")'
    assert rows == [
        ["line", "keyword", "reason", "Query", "Volume", "'=Notes"],
        [
            "2",
            "'" + hyperlink,
            "volume “lots” is not a number",
            "'" + hyperlink,
            "lots",
            "'@SUM(A1)",
        ],
        [
            "3",
            "'+cmd|' /C calc'!A0",
            "volume can't be negative (got “-3”)",
            "'+cmd|' /C calc'!A0",
            "-3",  # a plain number cannot run; it stays as the file had it
            "'\ttab",
        ],
        ["4", "'-2+3", "volume “x” is not a number", "'-2+3", "x", "'\rcr"],
    ]


def test_nothing_to_download_when_every_row_was_added(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file("keyword\nroof repair\n"), "sector": sector.pk}
    )
    assert summary_line(response) == "Added 1 · 0 duplicates · 0 rejected"
    assert "Download rejected rows" not in page_text(response)
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="keyword_import").exists()


def test_htmx_upload_gets_only_the_panel(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file("keyword\nroof repair\n"), "sector": sector.pk}, **HX
    )
    assert response.status_code == 200
    body = response.content.decode().strip()
    assert body.startswith('<div id="import-panel">')
    assert "Added 1 · 0 duplicates · 0 rejected" in body


BIG = 21 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This looks like a binary file"),
        (b"keyword\n" + b"a" * BIG, "The file is 21.0 MB; the limit is 20 MB"),
        (b"Volume,KD\n10,1\n", "No keyword column found. The header row has “Volume”, “KD”."),
        ("keyword\nniño\n".encode("utf-16"), "This looks like a binary file"),
        ("keyword\nniño\n".encode("cp1252"), "The file is not UTF-8 text"),
    ],
    ids=["empty", "binary", "oversize", "no-keyword-column", "utf-16", "not-utf-8"],
)
def test_unreadable_files_get_a_clear_message_and_nothing_is_written(
    data, words, alpha, site, client_for
):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file(data), "sector": sector.pk}
    )
    assert response.status_code == 400
    assert words in field_errors(response)
    assert keywords(alpha, site=site) == []
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="keyword_import").exists()


def test_missing_file_is_named(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(IMPORT, {"sector": sector.pk})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in field_errors(response)


def test_missing_sector_is_named(alpha, site, client_for):
    response = client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file("keyword\nroof\n")}
    )
    assert response.status_code == 400
    assert "Choose the sector the keywords belong to." in field_errors(response)
    assert keywords(alpha, site=site) == []


def test_large_file_runs_as_a_job_and_shows_its_summary(
    alpha, site, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sector = sectors_of(alpha, site)[0]
    lines = ["keyword,volume"] + [f"keyword number {n},{n}" for n in range(2_500)]
    lines += ["keyword number 7,1", "nothing,many"]
    response = client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file("\n".join(lines)), "sector": sector.pk}
    )
    assert response.status_code == 200
    with schema_context(alpha.schema):
        job = Job.objects.get(kind="keyword_import")
    assert job.status == "succeeded"  # jobs run synchronously in tests
    assert job.result["added"] == 2_500
    assert f'data-job="{job.pk}"' in response.content.decode()
    assert summary_line(response) == "Added 2,500 · 1 duplicate · 1 rejected"
    assert reasons(response) == {2502: "duplicate of line 9", 2503: "volume “many” is not a number"}
    assert len(keywords(alpha, sector=sector)) == 2_500
    # The saved upload is gone once imported.
    assert list(Path(tmp_path, "imports", alpha.schema).iterdir()) == []
    # The status page, as polled, shows the same summary.
    status = client_for(alpha.owner, alpha.host).get(f"/planner/import/{job.pk}/", **HX)
    assert status.status_code == 200
    assert summary_line(status) == "Added 2,500 · 1 duplicate · 1 rejected"
    assert "every 1s" not in status.content.decode()


def test_a_running_import_polls_with_a_progress_bar(alpha, site, client_for):
    with schema_context(alpha.schema):
        job = Job.objects.create(
            kind="keyword_import",
            label="Import of big.csv into Plumbing",
            status="running",
            done=40_000,
            total=100_000,
            progress=40,
            message="Checked 40,000 rows",
            created_by_id=alpha.owner.pk,
        )
    response = client_for(alpha.owner, alpha.host).get(f"/planner/import/{job.pk}/", **HX)
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body
    assert 'aria-valuenow="40"' in body
    assert "40,000 of about 100,000 rows" in page_text(response)


def test_a_failed_import_says_nothing_was_added(alpha, site, client_for):
    with schema_context(alpha.schema):
        job = Job.objects.create(
            kind="keyword_import",
            status="failed",
            error="apps.planner.importing.ImportFileError: The uploaded file is no longer here.",
            created_by_id=alpha.owner.pk,
        )
    text = page_text(client_for(alpha.owner, alpha.host).get(f"/planner/import/{job.pk}/"))
    assert "The import did not finish. The uploaded file is no longer here." in text
    assert "Nothing was added" in text


def test_the_job_itself_refuses_a_file_that_is_gone(alpha, site, tmp_path):
    from apps.planner.jobs.imports import keywords_import
    from igny8 import jobs

    sector = sectors_of(alpha, site)[0]
    with schema_context(alpha.schema):
        job = jobs.enqueue(keywords_import, str(tmp_path / "missing.csv"), sector.pk)
        job.refresh_from_db()
    assert job.status == "failed"
    assert "no longer here" in job.error
    assert keywords(alpha, site=site) == []


# --- who may import --------------------------------------------------------------------------


def test_editor_with_a_grant_imports(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(alpha.editor, alpha.host)
    assert client.get(IMPORT).status_code == 200
    response = client.post(IMPORT, {"file": csv_file("keyword\nroof\n"), "sector": sector.pk})
    assert response.status_code == 200
    assert texts(alpha, site=site) == ["roof"]


def test_editor_without_a_grant_sees_no_site_and_cannot_post(alpha, client_for):
    hidden = make_site(alpha.account, "Not Granted", sectors=1)
    sector = sectors_of(alpha, hidden)[0]
    client = client_for(alpha.editor, alpha.host)
    page = client.get(IMPORT)
    assert page.status_code == 200
    assert "No site has been shared with you yet" in page_text(page)
    response = client.post(IMPORT, {"file": csv_file("keyword\nroof\n"), "sector": sector.pk})
    assert response.status_code == 404
    assert keywords(alpha, site=hidden) == []


def test_viewer_is_refused(alpha, site, viewer, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(viewer, alpha.host)
    assert client.get(IMPORT).status_code == 403
    response = client.post(IMPORT, {"file": csv_file("keyword\nroof\n"), "sector": sector.pk})
    assert response.status_code == 403
    assert keywords(alpha, site=site) == []


def test_outsider_is_refused(alpha, site, outsider, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(outsider, alpha.host)
    assert client.get(IMPORT).status_code == 403
    response = client.post(IMPORT, {"file": csv_file("keyword\nroof\n"), "sector": sector.pk})
    assert response.status_code == 403
    assert keywords(alpha, site=site) == []


def test_a_sector_of_another_site_or_workspace_is_not_found(alpha, beta, site, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    beta_site = make_site(beta.account, "Beta Site", sectors=1)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    for sector in (sectors_of(alpha, other)[0], sectors_of(beta, beta_site)[0]):
        response = client.post(IMPORT, {"file": csv_file("keyword\nroof\n"), "sector": sector.pk})
        assert response.status_code == 404
    assert keywords(alpha) == []
    assert keywords(beta) == []


def test_import_records_are_private_and_scoped(alpha, beta, site, outsider, client_for):
    sector = sectors_of(alpha, site)[0]
    client_for(alpha.owner, alpha.host).post(
        IMPORT, {"file": csv_file("keyword,volume\n,5\nfine,1\n"), "sector": sector.pk}
    )
    with schema_context(alpha.schema):
        record = Job.objects.get(kind="keyword_import")
        other_kind = Job.objects.create(kind="clustering", created_by_id=alpha.owner.pk)
    owner = client_for(alpha.owner, alpha.host)
    assert owner.get(f"/planner/import/{record.pk}/rejected.csv").status_code == 200
    # The editor did not start it: not found. The outsider: refused at the door.
    editor = client_for(alpha.editor, alpha.host)
    assert editor.get(f"/planner/import/{record.pk}/rejected.csv").status_code == 404
    assert editor.get(f"/planner/import/{record.pk}/").status_code == 404
    outside = client_for(outsider, alpha.host)
    assert outside.get(f"/planner/import/{record.pk}/rejected.csv").status_code == 403
    # Another job is not an import; an id from another workspace does not exist here.
    assert owner.get(f"/planner/import/{other_kind.pk}/rejected.csv").status_code == 404
    assert client_for(beta.owner, beta.host).get(f"/planner/import/{record.pk}/").status_code == (
        404
    )
