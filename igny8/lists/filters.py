"""A list's filters: what it may be filtered by (`Search`, `Choice`, `Ref`, `Flag`), its
declaration (`ListSpec`), the filters of one request (`Filters`) and what a bulk action applies to
(`ticked`, `selection`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict

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
        """The filters of a request; `allowed` holds what each `Ref` (ids) and each `Choice`
        without `values` may take."""
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
