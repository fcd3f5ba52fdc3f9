"""Adding keywords by hand: one typed in with its numbers, or many pasted, one per line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from apps.planner.tests.helpers_import import (
    ADD,
    HX,
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


def one(sector, **fields) -> dict:
    data = {"mode": "one", "one-sector": sector.pk, "one-keyword": "roof repair"}
    data.update({f"one-{k}": v for k, v in fields.items()})
    return data


def paste(sector, lines: str) -> dict:
    return {"mode": "paste", "paste-sector": sector.pk, "paste-lines": lines}


def test_page_offers_both_forms_with_the_sites_sectors(alpha, site, client_for):
    response = client_for(alpha.owner, alpha.host).get(ADD)
    assert response.status_code == 200
    text = page_text(response)
    assert "Paste many" in text and "One keyword" in text
    for sector in sectors_of(alpha, site):
        assert f'<option value="{sector.pk}"' in response.content.decode()


def test_owner_adds_one_keyword_with_its_numbers(alpha, site, client_for):
    sector = sectors_of(alpha, site)[1]
    response = client_for(alpha.owner, alpha.host).post(
        ADD,
        one(
            sector,
            keyword="  Roof Repair  ",
            volume="1200",
            difficulty="35",
            intent="commercial",
            cpc="2.40",
        ),
    )
    assert response.status_code == 200
    assert summary_line(response) == "Added 1 · 0 duplicates · 0 rejected"
    [kw] = keywords(alpha, site=site)
    assert (kw.text, kw.normalized, kw.sector_id, kw.source) == (
        "Roof Repair",
        "roof repair",
        sector.pk,
        "manual",
    )
    assert (kw.volume, kw.difficulty, kw.intent, kw.cpc) == (
        1200,
        35,
        "commercial",
        Decimal("2.40"),
    )


def test_the_same_keyword_again_is_a_duplicate(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    put_keyword(alpha, sector, "roof repair")
    response = client_for(alpha.owner, alpha.host).post(ADD, one(sector, keyword="ROOF-repair"))
    assert response.status_code == 200
    assert summary_line(response) == "Added 0 · 1 duplicate · 0 rejected"
    assert reasons(response) == {1: "already in this sector"}
    assert texts(alpha, site=site) == ["roof repair"]


def test_a_keyword_in_the_trash_says_so(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    put_keyword(alpha, sector, "roof repair", trashed=True)
    response = client_for(alpha.owner, alpha.host).post(ADD, one(sector))
    assert reasons(response) == {1: "in the trash — restore it"}
    assert len(keywords(alpha, site=site)) == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"keyword": ""}, "Type the keyword to add."),
        ({"keyword": "x" * 256}, "Keep the keyword under 255 characters."),
        ({"volume": "lots"}, "Enter the volume as a whole number, like 1200."),
        ({"volume": "-1"}, "Volume can't be negative."),
        ({"difficulty": "101"}, "Difficulty is between 0 and 100."),
        ({"intent": "curious"}, "Choose an intent from the list."),
        ({"cpc": "-0.5"}, "Cost per click can't be negative."),
        ({"cpc": "1.234"}, "Use at most two decimals, like 1.25."),
    ],
)
def test_bad_input_is_named_and_nothing_is_saved(fields, words, alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(ADD, one(sector, **fields))
    assert response.status_code == 400
    assert words in field_errors(response)
    assert keywords(alpha, site=site) == []


def test_a_keyword_with_nothing_but_punctuation_is_rejected(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(ADD, one(sector, keyword="?!…"))
    assert summary_line(response) == "Added 0 · 0 duplicates · 1 rejected"
    assert reasons(response) == {1: "empty keyword (no letters or digits)"}
    assert keywords(alpha, site=site) == []


def test_paste_many_with_optional_numbers(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    put_keyword(alpha, sector, "gutter cleaning")
    lines = "\n".join(
        [
            "roof repair",
            "water heater repair, 12100",
            "",
            "tankless water heater\t14800\t58\tcommercial\t3,10",
            "paris, france hotels, 900",
            "Roof Repair",
            "gutter cleaning",
            "boiler service, a checklist",
        ]
    )
    response = client_for(alpha.owner, alpha.host).post(ADD, paste(sector, lines))
    assert response.status_code == 200
    assert summary_line(response) == "Added 5 · 2 duplicates · 0 rejected"
    assert reasons(response) == {6: "duplicate of line 1", 7: "already in this sector"}
    saved = {k.text: k for k in keywords(alpha, sector=sector, source="manual")}
    assert set(saved) == {
        "roof repair",
        "water heater repair",
        "tankless water heater",
        "paris, france hotels",
        "boiler service, a checklist",  # no number after the comma: all one keyword
        "gutter cleaning",  # there before, and not twice
    }
    assert saved["water heater repair"].volume == 12100
    tankless = saved["tankless water heater"]
    assert (tankless.volume, tankless.difficulty, tankless.intent, tankless.cpc) == (
        14800,
        58,
        "commercial",
        Decimal("3.10"),
    )
    assert saved["paris, france hotels"].volume == 900


def test_paste_rejects_bad_lines_and_offers_the_download(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(alpha.owner, alpha.host)
    response = client.post(ADD, paste(sector, "fine\nbad volume, -4\nodd, 5, 200"))
    assert summary_line(response) == "Added 1 · 0 duplicates · 2 rejected"
    assert reasons(response) == {
        2: "volume can't be negative (got “-4”)",
        3: "difficulty must be between 0 and 100 (got “200”)",
    }
    with schema_context(alpha.schema):
        record = Job.objects.get(kind="keyword_import")
    download = client.get(f"/planner/import/{record.pk}/rejected.csv")
    body = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert body[0] == "line,keyword,reason,pasted line"
    assert body[1] == '2,bad volume,volume can\'t be negative (got “-4”),"bad volume, -4"'


def test_paste_over_the_plan_limit_keeps_what_fits(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    keyword_limit(alpha, 2)
    response = client_for(alpha.owner, alpha.host).post(ADD, paste(sector, "a1\nb2\nc3\nd4"))
    assert summary_line(response) == "Added 2 · 0 duplicates · 2 rejected"
    assert reasons(response) == {
        3: "over the plan's keyword limit",
        4: "over the plan's keyword limit",
    }
    assert "2 rows were over the plan’s keyword limit" in page_text(response)
    assert texts(alpha, site=site) == ["a1", "b2"]


def test_paste_of_too_many_lines_is_refused(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    lines = "\n".join(f"k{n}" for n in range(10_001))
    response = client_for(alpha.owner, alpha.host).post(ADD, paste(sector, lines))
    assert response.status_code == 400
    assert "paste up to 10,000 at a time" in field_errors(response)
    assert keywords(alpha, site=site) == []


def test_empty_paste_is_refused(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(ADD, paste(sector, "   "))
    assert response.status_code == 400
    assert "Paste at least one keyword." in field_errors(response)


def test_htmx_add_swaps_the_panel(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    response = client_for(alpha.owner, alpha.host).post(ADD, one(sector), **HX)
    body = response.content.decode().strip()
    assert body.startswith('<div id="add-panel"')
    assert "Added 1 · 0 duplicates · 0 rejected" in body


# --- who may add ---------------------------------------------------------------------------


def test_editor_with_a_grant_adds(alpha, site, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(alpha.editor, alpha.host)
    assert client.get(ADD).status_code == 200
    assert client.post(ADD, paste(sector, "roof")).status_code == 200
    assert texts(alpha, site=site) == ["roof"]


def test_editor_without_a_grant_cannot_add_to_that_site(alpha, client_for):
    hidden = make_site(alpha.account, "Not Granted", sectors=1)
    sector = sectors_of(alpha, hidden)[0]
    client = client_for(alpha.editor, alpha.host)
    assert "No site has been shared with you yet" in page_text(client.get(ADD))
    assert client.post(ADD, one(sector)).status_code == 404
    assert keywords(alpha, site=hidden) == []


def test_viewer_is_refused(alpha, site, viewer, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(viewer, alpha.host)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, one(sector)).status_code == 403
    assert keywords(alpha, site=site) == []


def test_outsider_is_refused(alpha, site, outsider, client_for):
    sector = sectors_of(alpha, site)[0]
    client = client_for(outsider, alpha.host)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, paste(sector, "roof")).status_code == 403
    assert keywords(alpha, site=site) == []


def test_sectors_of_other_sites_and_workspaces_are_not_found(alpha, beta, site, client_for):
    other = make_site(alpha.account, "Zed Other Site", sectors=1)
    beta_site = make_site(beta.account, "Beta Site", sectors=1)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    for sector in (sectors_of(alpha, other)[0], sectors_of(beta, beta_site)[0]):
        assert client.post(ADD, one(sector)).status_code == 404
        assert client.post(ADD, paste(sector, "roof")).status_code == 404
    assert keywords(alpha) == []
    assert keywords(beta) == []


def test_a_site_without_sectors_says_how_to_add_them(alpha, client_for):
    bare = make_site(alpha.account, "Bare Site", sectors=0)
    client = client_for(alpha.owner, alpha.host)
    response = client.get(ADD)
    assert "Bare Site has no sectors yet" in page_text(response)
    assert f"/sites/{bare.pk}/sectors/" in response.content.decode()
    assert client.post(ADD, {"mode": "paste", "paste-lines": "roof"}).status_code == 404
