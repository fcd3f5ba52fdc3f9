"""One list machinery: every list page (keywords, clusters, ideas, tasks, contents, review, runs,
the sync log, the trashes) reads its filters, sorts, pages and ticked rows here, and renders its
pager and bulk bar from `templates/components/`. A list declares what differs (a `ListSpec`: its
filters, sorts and page size; its `Action`s) and its view stays thin.

Filters are read from a query string (GET, or a bulk POST that repeats the list's filters, so
"all matching" is re-applied server-side through the very code that showed the list). A value
that makes no sense is dropped, and named in `Filters.ignored` when the list wants to say so;
everything else still applies.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from igny8.http import render_error, render_page

Value = str | int | bool | None


def _int(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


# --- what a list may be filtered by -------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """Free text looked for (case-insensitively) in any of `fields`."""

    name: str
    fields: tuple[str, ...]
    max_length: int = 100

    def clean(self, raw: str, allowed: Mapping[str, Collection]) -> tuple[Value, str]:
        return raw.strip()[: self.max_length], ""

    def narrow(self, value: Value) -> Q:
        q = Q()
        for name in self.fields:
            q |= Q(**{f"{name}__icontains": value})
        return q


@dataclass(frozen=True)
class Choice:
    """One of `values` (None: those the view passes in `allowed[name]`, known only at run time).
    `field` is what it narrows, or `lookups` maps each value to its own condition. With a `noun`,
    a value that is not one of them is named ("“x” is not a status"); without, it is dropped
    quietly."""

    name: str
    values: Collection[str] | None
    field: str = ""
    noun: str = ""
    lookups: Mapping[str, Q] | None = None

    def clean(self, raw: str, allowed: Mapping[str, Collection]) -> tuple[Value, str]:
        values = self.values if self.values is not None else allowed.get(self.name, ())
        if raw in values:
            return raw, ""
        return "", (f"“{raw}” is not a {self.noun}" if raw and self.noun else "")

    def narrow(self, value: Value) -> Q:
        if self.lookups is not None:
            return self.lookups[str(value)]
        return Q(**{self.field or self.name: value})


@dataclass(frozen=True)
class Ref:
    """The id of one of the site's own objects (a sector, a cluster): the view passes the ids
    it may be (`allowed[name]`), read once for the filter's drop-down anyway."""

    name: str
    field: str
    noun: str

    def clean(self, raw: str, allowed: Mapping[str, Collection]) -> tuple[Value, str]:
        pk = _int(raw)
        if pk is None or pk not in allowed.get(self.name, ()):
            return None, f"that {self.noun} is not one of this site's"
        return pk, ""

    def narrow(self, value: Value) -> Q:
        return Q(**{self.field: value})


@dataclass(frozen=True)
class Flag:
    """A switch kept in the list's address ("trashed=1") that does not count as a filter in
    use; the list's own base query reads it."""

    name: str
    on: str = "1"

    def clean(self, raw: str, allowed: Mapping[str, Collection]) -> tuple[Value, str]:
        return raw == self.on, ""

    def narrow(self, value: Value) -> Q:
        return Q()


Filter = Search | Choice | Ref | Flag


# --- a list's declaration and the filters of one request ----------------------------------------


@dataclass(frozen=True)
class ListSpec:
    """What one list may be filtered and sorted by, and how many rows a page shows. Filters are
    kept in the address in the order declared here."""

    filters: tuple[Filter, ...]
    sorts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_sort: str = ""
    page_size: int = 50

    def read(self, query: QueryDict, *, allowed: Mapping[str, Collection] = {}) -> Filters:
        """The filters of a request; `allowed` holds the ids each `Ref` filter may take."""
        values: dict[str, Value] = {}
        ignored: list[str] = []
        for f in self.filters:
            raw = query.get(f.name, "")
            if raw == "" and not isinstance(f, Flag):
                values[f.name] = "" if not isinstance(f, Ref) else None
                continue
            value, problem = f.clean(raw, allowed)
            values[f.name] = value
            if problem:
                ignored.append(problem)
        sort = query.get("sort", "")
        return Filters(self, values, ignored, sort if sort in self.sorts else self.default_sort)

    def page(self, items: QuerySet | list, number: str | int | None) -> Page:
        """One page of `items`; a page number that is not one shows the first (or last) page."""
        return Paginator(items, self.page_size).get_page(number)


class Filters:
    """The filters of one request. Each is an attribute (`filters.status`), as the templates
    read them; `where()` narrows a queryset, `ordering()` sorts it."""

    def __init__(
        self, spec: ListSpec, values: dict[str, Value], ignored: list[str], sort: str
    ) -> None:
        self.spec = spec
        self.values = values
        self.ignored = ignored
        self.sort = sort

    def __getattr__(self, name: str) -> Value:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def active(self) -> bool:
        """Does any filter narrow the list (sort and switches such as `trashed` do not)?"""
        return any(self.values[f.name] for f in self.spec.filters if not isinstance(f, Flag))

    def where(self) -> Q:
        q = Q()
        for f in self.spec.filters:
            value = self.values[f.name]
            if value not in ("", None, False):
                q &= f.narrow(value)
        return q

    def ordering(self) -> tuple[str, ...]:
        return self.spec.sorts[self.sort]

    def apply(self, items: QuerySet, *order: str) -> QuerySet:
        """`items` narrowed by the filters, in `order` (else the list's sort)."""
        return items.filter(self.where()).order_by(*(order or self.ordering()))

    def as_query(self, *, sort: bool = True) -> dict[str, str]:
        """The filters in use (and the sort, when not the default) as GET parameters."""
        params: dict[str, str] = {}
        for f in self.spec.filters:
            value = self.values[f.name]
            if value is True:
                params[f.name] = f.on  # type: ignore[union-attr]
            elif value not in ("", None, False):
                params[f.name] = str(value)
        if sort and self.sort != self.spec.default_sort:
            params["sort"] = self.sort
        return params


# --- ticked rows and bulk actions --------------------------------------------------------------


def ticked(data: QueryDict) -> list[str]:
    """The ids ticked in a list's form (its checkboxes are all named `ids`)."""
    return [pk for pk in data.getlist("ids") if pk]


def selection(items: QuerySet, *, ids: Iterable[int], all_matching: bool, where: Q) -> QuerySet:
    """What a bulk action applies to: every row of `items` matching the list's filters (`where`,
    re-read from the POST by the code that showed the list) when "all matching" was chosen, else
    the ticked ids among them. An id of another site, of a trashed row or of nothing at all
    simply matches no row."""
    if all_matching:
        return items.filter(where)
    return items.filter(pk__in=list(ids))


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
