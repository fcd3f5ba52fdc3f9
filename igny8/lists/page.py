"""What a list page draws from `templates/components/`: its bulk bar, pager, column heads,
filter bar, table, and its response (the page, or the rows HTMX asked for)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from igny8.http import render_error, render_page
from igny8.lists.filters import Filters, Value


@dataclass(frozen=True)
class Action:
    """A button of a list's bulk bar. It posts the list's form to `url` (a URL name; the form's
    own action when empty) with `action=value` (no `action` when `value` is empty)."""

    label: str
    value: str = ""
    url: str = ""
    style: str = "secondary"  # "", "secondary" or "danger"


@dataclass(frozen=True)
class BoundAction:
    label: str
    value: str
    formaction: str
    css: str


def bulk_bar(noun: str, actions: Iterable[Action]) -> dict[str, Any]:
    """The context `components/bulk_bar.html` shows: "With the ticked <noun>" and a button per
    action, their URL names reversed once per list (not per row)."""
    bound = [
        BoundAction(
            label=a.label,
            value=a.value,
            formaction=reverse(a.url) if a.url else "",
            css=f"btn btn-{a.style} btn-sm" if a.style else "btn btn-sm",
        )
        for a in actions
    ]
    return {"noun": noun, "actions": bound}


# --- pages: links and the response ---------------------------------------------------------------


@dataclass(frozen=True)
class Pager:
    """The links of `components/pager.html`. `base` is the path the links go to ("" keeps them
    relative: "?page=2"), `query` the list's filters (urlencoded) they keep."""

    page: Page
    base: str = ""
    query: str = ""
    bare_first: bool = False  # page 1 is the bare address, without "page=1"
    ends: bool = False  # "« First" and "Last »" as well
    htmx: str = (
        "swap"  # "swap" (the list's rows, pushed by the server), "push", or "" (plain links)
    )
    label: str = "Pages"
    previous_word: str = "Previous"
    next_word: str = "Next"

    def url(self, number: int) -> str:
        if number == 1 and self.bare_first:
            return f"{self.base}?{self.query}" if self.query else (self.base or "?")
        joined = f"{self.query}&" if self.query else ""
        return f"{self.base}?{joined}page={number}"

    @property
    def previous_url(self) -> str:
        return self.url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.url(self.page.next_page_number()) if self.page.has_next() else ""

    @property
    def first_url(self) -> str:
        return self.url(1) if self.ends and self.page.has_previous() else ""

    @property
    def last_url(self) -> str:
        num_pages = self.page.paginator.num_pages
        return self.url(num_pages) if self.ends and self.page.has_next() else ""

    @property
    def hx(self) -> SafeString:
        """The HTMX attributes each link carries besides its `hx-get`."""
        if self.htmx == "push":
            return mark_safe(' hx-push-url="true"')
        if self.htmx == "swap":
            return mark_safe(' hx-swap="outerHTML show:top"')
        return mark_safe("")


def page_url(base: str, params: Mapping[str, str], page: int = 1) -> str:
    """The list's address with these filters and page (page 1 and no filters: the bare path)."""
    params = dict(params)
    if page > 1:
        params["page"] = str(page)
    return base + (f"?{urlencode(params)}" if params else "")


def wants_rows(request: HttpRequest, target: str | None = None) -> bool:
    """Does HTMX ask for the list's rows alone (the element `target`, when given)? A history
    restore (Back after a cache miss) must get the whole page, not the table."""
    htmx = getattr(request, "htmx", None)
    if not htmx or htmx.history_restore_request:
        return False
    return target is None or htmx.target == target


def render_list(
    request: HttpRequest, table: ListTable, context: dict[str, Any], *, push: bool = True
) -> HttpResponse:
    """The list page, or its `rows` partial when HTMX asks for `table.target`; a partial moves
    the address bar to what is applied (`push=False` for a refresh of the same list). The
    context holds the list's `filters`, `page` and `clear_url` (its bare address)."""
    rows = wants_rows(request, table.target)
    response = render_page(request, table.page, context, partial="rows" if rows else None)
    if rows and push:
        page = context["page"].number
        response["HX-Push-Url"] = page_url(
            context["clear_url"], context["filters"].as_query(), page
        )
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def refuse_bulk(
    request: HttpRequest,
    *,
    action: str,
    allowed: Collection[str],
    ids: list[str],
    nouns: str,
    back: str,
) -> HttpResponse | None:
    """The plain-words refusal of a bulk POST with no known action or no ticked row (None when
    it may go ahead)."""
    if action not in allowed:
        return render_error(
            request, status=400, code="bad_action", message=f"Choose what to do with the {nouns}."
        )
    if not ids:
        return render_error(
            request,
            status=400,
            code="nothing_selected",
            message=f"Tick the {nouns} first, then choose what to do with them.",
            action_url=back,
            action_label=f"Back to {nouns}",
        )
    return None


def sort_header(
    filters: Filters, key: str, label: str, *, query: str, first: str = "", css: str = ""
) -> dict[str, str]:
    """A sortable column head: its link (`first`, the column's natural direction, or the other
    direction when the list is sorted that way already), its `aria-sort` and its arrow. `query`
    is the list's filters without the sort."""
    first = first or key
    target = (
        (first[1:] if first.startswith("-") else f"-{first}") if filters.sort == first else first
    )
    aria, arrow = "none", ""
    if filters.sort == key:
        aria, arrow = "ascending", " ↑"
    elif filters.sort == f"-{key}":
        aria, arrow = "descending", " ↓"
    prefix = f"{query}&" if query else ""
    return {
        "label": label,
        "css": css,
        "url": f"?{prefix}sort={target}",
        "aria_sort": aria,
        "arrow": arrow,
    }


@dataclass(frozen=True)
class ListTable:
    """How a list page shows its rows: the page template and the id of the element its `rows`
    partial replaces, and what `components/list_head.html` and `components/list_body.html`
    need: the table's class and id, the template of its head and rows (one include per list; it
    loops over the rows itself), what it shows when empty, and its nouns."""

    page: str  # the page template, with a `rows` partialdef
    target: str  # the id of the partial's outer element ("cluster-rows")
    css: str  # the table's class, also data-empty="<css>"
    template: str  # "<app>/_<css>_table.html": thead and tbody
    empty: str  # "<app>/_<css>_empty.html": the list has no rows at all
    noun: str
    nouns: str
    id: str = ""
    before: str = ""  # a template shown above the table (a form its rows' boxes belong to)
    notice: str = ""  # a template shown under the "Not applied" notice
    live: str = ""  # said after the count while the list refreshes itself (`polling`)

    @classmethod
    def of(cls, app: str, css: str, noun: str, *, target: str, nouns: str = "", **more: str):
        """A table whose templates follow the naming above (`<app>/<css>.html` the page)."""
        return cls(
            page=f"{app}/{css}.html",
            target=target,
            css=css,
            template=f"{app}/_{css}_table.html",
            empty=f"{app}/_{css}_empty.html",
            noun=noun,
            nouns=nouns or f"{noun}s",
            **more,
        )


# --- the filter bar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a list's filter bar (`components/filter_fields.html`): the search box, or a
    drop-down whose options are (value, label, selected)."""

    id: str
    label: str
    name: str
    blank: str = ""
    options: tuple[tuple[Any, str, bool], ...] = ()
    search: bool = False
    placeholder: str = ""
    value: Value = ""


def search_field(filters: Filters, placeholder: str, *, name: str = "q") -> Field:
    return Field(
        id=f"f-{name}",
        label="Search",
        name=name,
        search=True,
        placeholder=placeholder,
        value=filters.values[name],
    )


def select_field(
    filters: Filters,
    name: str,
    label: str,
    blank: str,
    options: Iterable[tuple[Any, str]],
    *,
    id: str = "",
) -> Field:
    """A drop-down of `options` (value, label) with the filter's current value selected; the
    first option (`blank`) is "any"."""
    current = filters.values[name]
    return Field(
        id=id or f"f-{name}",
        label=label,
        name=name,
        blank=blank,
        options=tuple((value, text, value == current) for value, text in options),
    )


_SAMPLE_ID = 987654321


def row_urls(**names: str) -> dict[str, str]:
    """The addresses of a list's rows without their ids ({"cluster": "/planner/clusters/"}),
    reversed once per list: a row writes `{{ urls.cluster }}{{ c.pk }}/`, where a `{% url %}`
    per row would cost a reversal each. Each URL name takes one id and ends with "<id>/"."""
    prefixes = {}
    for key, name in names.items():
        prefix, _, rest = reverse(name, args=[_SAMPLE_ID]).partition(str(_SAMPLE_ID))
        if rest != "/":
            raise ValueError(f"{name} does not end with its id: a row cannot add it.")
        prefixes[key] = prefix
    return prefixes
