"""Loading the keyword library that ships with the product (apps/catalog/data/library.json)."""

from __future__ import annotations

import json
import os
from pathlib import Path

LIBRARY_PATH = Path(
    os.environ.get("IGNY8_LIBRARY_PATH", Path(__file__).resolve().parent / "data" / "library.json")
)


def library_load(
    *, industry_model=None, sector_model=None, keyword_model=None, path: Path = LIBRARY_PATH
) -> dict[str, int]:
    """Upsert the shipped library. Idempotent: a second run adds nothing and keeps staff edits
    to existing rows. Models can be passed in so a data migration can use historical models."""
    if industry_model is None:
        from apps.catalog.models import Industry, IndustrySector, SeedKeyword

        industry_model, sector_model, keyword_model = Industry, IndustrySector, SeedKeyword
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = {"industries": 0, "sectors": 0, "keywords": 0}
    for order, item in enumerate(data["industries"]):
        industry, created = industry_model.objects.get_or_create(
            slug=item["slug"],
            defaults={
                "name": item["name"],
                "description": item.get("description", ""),
                "sort_order": order,
            },
        )
        counts["industries"] += created
        for sector_item in item["sectors"]:
            sector, created = sector_model.objects.get_or_create(
                industry=industry,
                slug=sector_item["slug"],
                defaults={
                    "name": sector_item["name"],
                    "description": sector_item.get("description", ""),
                },
            )
            counts["sectors"] += created
            existing = set(sector.keywords.values_list("keyword", flat=True))
            new_rows = [
                keyword_model(
                    sector=sector, keyword=text, volume=volume, difficulty=difficulty, intent=intent
                )
                for text, volume, difficulty, intent in sector_item["keywords"]
                if text not in existing
            ]
            keyword_model.objects.bulk_create(new_rows, ignore_conflicts=True)
            counts["keywords"] += len(new_rows)
    return counts
