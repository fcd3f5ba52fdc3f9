"""The keyword library that ships with the product, and loading it again safely."""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Count, Max, Min, Q

from apps.catalog.models import Industry, IndustrySector, Intent, SeedKeyword
from apps.catalog.services import LIBRARY_PATH, library_load

pytestmark = pytest.mark.django_db


def shipped() -> dict:
    return json.loads(LIBRARY_PATH.read_text(encoding="utf-8"))


def table_counts() -> tuple[int, int, int]:
    return Industry.objects.count(), IndustrySector.objects.count(), SeedKeyword.objects.count()


def test_library_has_25_active_industries_with_6_sectors_each(workspaces):
    industries = Industry.objects.filter(is_active=True).annotate(
        active_sectors=Count("sectors", filter=Q(sectors__is_active=True))
    )
    assert industries.count() >= 25
    thin = {i.name: i.active_sectors for i in industries if i.active_sectors < 6}
    assert thin == {}


def test_every_sector_has_20_sound_seed_keywords(workspaces):
    sectors = IndustrySector.objects.filter(industry__is_active=True, is_active=True).annotate(
        n=Count("keywords"),
        min_volume=Min("keywords__volume"),
        min_difficulty=Min("keywords__difficulty"),
        max_difficulty=Max("keywords__difficulty"),
    )
    assert sectors.exists()
    for sector in sectors:
        assert sector.n >= 20, sector
        assert sector.min_volume > 0, f"{sector}: a seed keyword without search volume"
        assert 0 <= sector.min_difficulty <= sector.max_difficulty <= 100, sector
    intents = set(SeedKeyword.objects.values_list("intent", flat=True).distinct())
    assert intents <= set(Intent.values)
    assert len(intents) >= 3, "a library of a single intent would skew every plan"


def test_the_shipped_file_meets_the_same_bar():
    data = shipped()
    assert len(data["industries"]) >= 25
    for industry in data["industries"]:
        assert len(industry["sectors"]) >= 6, industry["name"]
        for sector in industry["sectors"]:
            rows = sector["keywords"]
            assert len(rows) >= 20, sector["name"]
            assert len({text.lower() for text, *_ in rows}) == len(rows), sector["name"]
            for text, volume, difficulty, intent in rows:
                assert text.strip() == text and text, sector["name"]
                assert isinstance(volume, int) and volume > 0, text
                assert isinstance(difficulty, int) and 0 <= difficulty <= 100, text
                assert intent in Intent.values, text


def test_migration_0002_loads_the_whole_shipped_library(workspaces):
    SeedKeyword.objects.all().delete()
    IndustrySector.objects.all().delete()
    Industry.objects.all().delete()
    assert table_counts() == (0, 0, 0)
    migration = importlib.import_module("apps.catalog.migrations.0002_load_library")
    state_apps = MigrationLoader(connection).project_state(("catalog", "0002_load_library")).apps
    migration.load(state_apps, None)
    data = shipped()
    assert table_counts() == (
        len(data["industries"]),
        sum(len(i["sectors"]) for i in data["industries"]),
        sum(len(s["keywords"]) for i in data["industries"] for s in i["sectors"]),
    )
    plumbing = data["industries"][0]
    first = plumbing["sectors"][0]
    text, volume, difficulty, intent = first["keywords"][0]
    row = SeedKeyword.objects.get(
        sector__industry__slug=plumbing["slug"], sector__slug=first["slug"], keyword=text
    )
    assert (row.volume, row.difficulty, row.intent) == (volume, difficulty, intent)


def test_loading_the_library_again_adds_nothing(workspaces):
    before = table_counts()
    assert library_load() == {"industries": 0, "sectors": 0, "keywords": 0}
    assert table_counts() == before


def test_loading_again_keeps_staff_edits(workspaces):
    industry = Industry.objects.get(slug=shipped()["industries"][0]["slug"])
    Industry.objects.filter(pk=industry.pk).update(name="Plumbing & Drains (edited)")
    keyword = SeedKeyword.objects.filter(sector__industry=industry).first()
    SeedKeyword.objects.filter(pk=keyword.pk).update(volume=7, difficulty=99)
    library_load()
    assert Industry.objects.get(pk=industry.pk).name == "Plumbing & Drains (edited)"
    keyword.refresh_from_db()
    assert (keyword.volume, keyword.difficulty) == (7, 99)


def test_a_new_library_file_is_added_once(workspaces, tmp_path):
    path = tmp_path / "library.json"
    sector = {
        "slug": "test-sector",
        "name": "Test Sector",
        "keywords": [[f"test keyword {n}", 100 + n, n, "informational"] for n in range(20)],
    }
    industry = {"slug": "test-industry", "name": "Test Industry", "sectors": [sector]}
    path.write_text(json.dumps({"version": 1, "industries": [industry]}), encoding="utf-8")
    before = table_counts()
    assert library_load(path=path) == {"industries": 1, "sectors": 1, "keywords": 20}
    assert library_load(path=path) == {"industries": 0, "sectors": 0, "keywords": 0}
    assert table_counts() == (before[0] + 1, before[1] + 1, before[2] + 20)
    sector["keywords"].append(["test keyword extra", 5, 50, "commercial"])
    path.write_text(json.dumps({"version": 1, "industries": [industry]}), encoding="utf-8")
    assert library_load(path=path) == {"industries": 0, "sectors": 0, "keywords": 1}
