"""The plans, credit costs and credit packs a new installation starts with."""

from __future__ import annotations

from decimal import Decimal

PLANS = [
    # slug, name, price, credits, sites, users, keywords, sectors per site
    ("free", "Free", "0", 100, 1, 1, 500, 3),
    ("starter", "Starter", "49", 1000, 3, 3, 5000, 5),
    ("growth", "Growth", "149", 5000, 10, 5, 25000, 5),
    ("scale", "Scale", "349", 25000, 50, 10, 100000, 5),
]

COSTS = [
    # operation, label, unit, credits per unit, minimum, description
    ("cluster_naming", "Cluster naming", "per_item", 1, 1, "Name and describe one cluster"),
    ("idea_generation", "Idea generation", "per_item", 2, 2, "One content idea with its outline"),
    ("content_generation", "Article writing", "per_100_words", 1, 5, "Every 100 words written"),
    ("image_prompts", "Image prompts", "per_request", 1, 1, "Prompts for one article's images"),
    ("image_generation", "Image generation", "per_image", 5, 5, "One generated image"),
    ("optimization", "Optimization", "per_request", 3, 3, "One optimization pass on an article"),
]

PACKS = [("Small pack", 500, "19"), ("Medium pack", 2000, "59"), ("Large pack", 10000, "249")]


def seed(*, plan_model=None, cost_model=None, pack_model=None) -> None:
    """Create the standard plans, credit costs and packs if missing (idempotent; staff edits
    to existing rows are kept). Models can be passed in for a data migration."""
    if plan_model is None:
        from apps.billing.models import CreditCost, CreditPack, Plan

        plan_model, cost_model, pack_model = Plan, CreditCost, CreditPack
    Plan, CreditCost, CreditPack = plan_model, cost_model, pack_model
    for order, (slug, name, price, credits, sites, users, keywords, sectors) in enumerate(PLANS):
        Plan.objects.get_or_create(
            slug=slug,
            defaults=dict(
                name=name,
                monthly_price=Decimal(price),
                monthly_credits=credits,
                max_sites=sites,
                max_users=users,
                max_keywords=keywords,
                max_sectors_per_site=sectors,
                sort_order=order,
            ),
        )
    for operation, label, unit, per_unit, minimum, description in COSTS:
        CreditCost.objects.get_or_create(
            operation=operation,
            defaults=dict(
                label=label,
                unit=unit,
                credits_per_unit=per_unit,
                minimum=minimum,
                description=description,
            ),
        )
    for order, (name, credits, price) in enumerate(PACKS):
        CreditPack.objects.get_or_create(
            name=name, defaults=dict(credits=credits, price=Decimal(price), sort_order=order)
        )
