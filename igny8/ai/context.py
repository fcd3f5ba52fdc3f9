"""The site settings every prompt carries (language, voice, audience, extra instructions)."""

from __future__ import annotations

from typing import Any

from apps.workspace.models import LANGUAGES, Site

LANGUAGE_NAMES = dict(LANGUAGES)


def site_context(site: Site, *, sector: str = "") -> dict[str, Any]:
    return {
        "site_name": site.name,
        "site_url": site.url,
        "industry": site.industry.name if site.industry_id else "",
        "sector": sector,
        "language": site.language,
        "language_name": LANGUAGE_NAMES.get(site.language, site.language),
        "brand_voice": site.brand_voice,
        "audience": site.audience,
        "extra_instructions": site.extra_instructions,
        "image_style": site.image_style,
        "brand_color": site.brand_color,
        "images_per_article": site.images_per_article,
        "default_word_count": site.default_word_count,
    }
