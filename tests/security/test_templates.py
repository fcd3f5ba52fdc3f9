"""Every template keeps to the Content-Security-Policy: script only from files under /static/
(each tag with the request's nonce), no inline event handlers, no `javascript:` URLs and nothing
htmx would have to eval. The browser tests visit the main pages; this covers the rest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = sorted(
    path
    for folder in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("apps/*/templates")]
    for path in Path(folder).rglob("*.html")
)
TAG = re.compile(r"<[a-zA-Z][^>]*>")
FORBIDDEN = {
    "inline event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on (evaluated by htmx)": re.compile(r"\s(hx|data-hx)-on", re.I),
    "js: values (evaluated by htmx)": re.compile(r"""(hx-vals|hx-vars)=['"]\s*(js|javascript):"""),
}


def test_templates_were_found():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_template_keeps_to_the_content_security_policy(path: Path):
    html = path.read_text()
    problems = []
    for tag in TAG.findall(html):
        problems += [f"{what}: {tag}" for what, rule in FORBIDDEN.items() if rule.search(tag)]
        if tag.lower().startswith("<script"):
            if "src=" not in tag:
                problems.append(f"inline script (move it to static/js/): {tag}")
            if 'nonce="{{ csp_nonce }}"' not in tag:
                problems.append(f"script without the nonce: {tag}")
    assert not problems, "\n".join(problems)
