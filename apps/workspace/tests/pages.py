"""Reading what a person sees on workspace pages: checklist items, switcher options, errors."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse

_ITEM = re.compile(r'<li class="(done)?" data-item="([\w-]+)">.*?<h3>(.*?) <span', re.S)
_OPTION = re.compile(r'<option value="(\d+)"\s*(selected)?>([^<]*)</option>')
_ERRORS = re.compile(r'<ul class="errorlist" id="(?:id_)?(\w+?)_error">(.*?)</ul>', re.S)


def text(response: HttpResponse) -> str:
    return response.content.decode()


def checklist(response: HttpResponse) -> dict[str, tuple[str, bool]]:
    """Onboarding items on the dashboard: key → (title, done)."""
    return {key: (title, bool(done)) for done, key, title in _ITEM.findall(text(response))}


def switcher(response: HttpResponse) -> dict[str, bool]:
    """Sites offered by the header's site switcher: name → selected."""
    switch = text(response).split('id="site-switcher"', 1)
    if len(switch) == 1:
        return {}
    menu = switch[1].split("</select>", 1)[0]
    return {name: bool(selected) for _, selected, name in _OPTION.findall(menu)}


def field_errors(response: HttpResponse) -> dict[str, str]:
    """Errors shown under each form field: field name → the error text."""
    return {
        field: html.unescape(re.sub(r"<[^>]+>", " ", body)).strip()
        for field, body in _ERRORS.findall(text(response))
    }
