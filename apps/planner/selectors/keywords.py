"""Reads for the keywords page and its trash: the filters, the sort, the page size.

Every query here is scoped to one site and costs one statement whatever the number of rows:
a page of the list and the count of the whole list are one SELECT (`keyword_page`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, OrderBy, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone
from django.utils.dates import MONTHS_3

from apps.catalog.models import Intent
from apps.planner.models import Cluster, Keyword, KeywordStatus, normalize_keyword
from apps.workspace.models import Sector, Site
from igny8.lists import ListSpec, selection

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
NONE = "none"  # the filter value for "no cluster" / "no intent"
DISABLED_CHOICES = (("no", "Enabled only"), ("yes", "Disabled only"))


@dataclass(frozen=True)
class SortKey:
    label: str
    expression: str  # a field path
    numeric: bool  # numbers and dates sort largest first on the first click
    nullable: bool = False


SORTS: dict[str, SortKey] = {
    "text": SortKey("Keyword", "text", numeric=False),
    "volume": SortKey("Volume", "volume", numeric=True),
    "difficulty": SortKey("Difficulty", "difficulty", numeric=True),
    "intent": SortKey("Intent", "intent", numeric=False),
    "cpc": SortKey("CPC", "cpc", numeric=True, nullable=True),
    "status": SortKey("Status", "status", numeric=False),
    "cluster": SortKey("Cluster", "cluster__name", numeric=False, nullable=True),
    "sector": SortKey("Sector", "sector__name", numeric=False),
    "created": SortKey("Added", "created", numeric=True),
}
DEFAULT_SORT = "-volume"


def _int(raw: str, *, low: int, high: int | None = None) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        return None
    if value < low or (high is not None and value > high):
        return None
    return value


@dataclass
class KeywordFilters:
    """What the keywords page shows, read from a query string (GET or a bulk POST).

    A value that makes no sense is dropped and named in `ignored`, so the page can say what
    it did not apply; everything else still applies.
    """

    q: str = ""
    status: str = ""
    intent: str = ""
    sector: int | None = None
    cluster: str = ""  # "", NONE or a cluster id
    volume_min: int | None = None
    volume_max: int | None = None
    difficulty_min: int | None = None
    difficulty_max: int | None = None
    disabled: str = ""  # "", "yes", "no"
    sort: str = DEFAULT_SORT
    per_page: int = DEFAULT_PAGE_SIZE
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(
        cls,
        query: QueryDict,
        *,
        sector_ok: Callable[[int], bool],
        cluster_ok: Callable[[int], bool],
    ) -> KeywordFilters:
        """`sector_ok` / `cluster_ok` say whether an id is a sector / live cluster of the site."""
        f = cls()
        q = query.get("q", "").strip()[:200]
        if q and normalize_keyword(q):
            f.q = q
        elif q:
            f.ignored.append(f"search “{q[:40]}” (no letters or digits to look for)")
        f.status = f._choice(query, "status", KeywordStatus.values, "status", "new or mapped")
        f.intent = f._choice(
            query, "intent", [*Intent.values, NONE], "intent", "not an intent of a keyword"
        )
        sector = query.get("sector", "").strip()
        if sector:
            f.sector = _int(sector, low=1)
            if f.sector is None or not sector_ok(f.sector):
                f.sector = None
                f.ignored.append(f"sector “{sector[:40]}” (not a sector of this site)")
        cluster = query.get("cluster", "").strip()
        if cluster == NONE:
            f.cluster = NONE
        elif cluster:
            pk = _int(cluster, low=1)
            if pk is not None and cluster_ok(pk):
                f.cluster = str(pk)
            else:
                f.ignored.append(f"cluster “{cluster[:40]}” (not a cluster of this site)")
        f.volume_min, f.volume_max = f._range(query, "volume", "volume", high=None)
        f.difficulty_min, f.difficulty_max = f._range(query, "difficulty", "difficulty", high=100)
        f.disabled = f._choice(query, "disabled", ["yes", "no"], "disabled", "yes or no")
        sort = query.get("sort", "").strip()
        if sort.removeprefix("-") in SORTS:
            f.sort = sort
        elif sort:
            f.ignored.append(f"sort “{sort[:40]}” (not a column)")
        per_page = query.get("per_page", "").strip()
        if per_page:
            size = _int(per_page, low=1)
            if size in PAGE_SIZES:
                f.per_page = size
            else:
                f.ignored.append(f"page size “{per_page[:40]}” (choose 25, 50 or 100)")
        return f

    def _choice(
        self, query: QueryDict, key: str, allowed: Iterable[str], words: str, hint: str
    ) -> str:
        raw = query.get(key, "").strip()
        if raw in set(allowed):
            return raw
        if raw:
            self.ignored.append(f"{words} “{raw[:40]}” ({hint})")
        return ""

    def _range(
        self, query: QueryDict, key: str, words: str, *, high: int | None
    ) -> tuple[int | None, int | None]:
        bounds: list[int | None] = []
        hint = "a whole number from 0 to 100" if high is not None else "a whole number, 0 or more"
        for end in ("min", "max"):
            raw = query.get(f"{key}_{end}", "").strip()
            value = _int(raw, low=0, high=high) if raw else None
            if raw and value is None:
                self.ignored.append(f"{end}imum {words} “{raw[:40]}” ({hint})")
            bounds.append(value)
        low, top = bounds
        if low is not None and top is not None and low > top:
            self.ignored.append(f"the {words} range (the minimum is above the maximum)")
            return None, None
        return low, top

    @property
    def active(self) -> bool:
        """Does any filter narrow the list (sort and page size do not)?"""
        return bool(self.as_filter_query())

    @property
    def sort_field(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def sort_descending(self) -> bool:
        return self.sort.startswith("-")

    def as_filter_query(self) -> dict[str, str]:
        pairs = {
            "q": self.q,
            "status": self.status,
            "intent": self.intent,
            "sector": str(self.sector or ""),
            "cluster": self.cluster,
            "volume_min": "" if self.volume_min is None else str(self.volume_min),
            "volume_max": "" if self.volume_max is None else str(self.volume_max),
            "difficulty_min": "" if self.difficulty_min is None else str(self.difficulty_min),
            "difficulty_max": "" if self.difficulty_max is None else str(self.difficulty_max),
            "disabled": self.disabled,
        }
        return {k: v for k, v in pairs.items() if v}

    def as_query(self) -> dict[str, str]:
        """Filters, sort and page size as GET parameters, defaults left out (for links and
        the address bar)."""
        params = self.as_filter_query()
        if self.sort != DEFAULT_SORT:
            params["sort"] = self.sort
        if self.per_page != DEFAULT_PAGE_SIZE:
            params["per_page"] = str(self.per_page)
        return params

    def sort_link(self, column: str) -> str:
        """The sort value a click on a column header asks for: the other direction when the
        list is already sorted by it, otherwise the column's natural first direction."""
        if self.sort_field == column:
            return column if self.sort_descending else f"-{column}"
        return f"-{column}" if SORTS[column].numeric else column

    def where(self) -> Q:
        q = Q()
        if self.q:
            q &= Q(normalized__contains=normalize_keyword(self.q))
        if self.status:
            q &= Q(status=self.status)
        if self.intent == NONE:
            q &= Q(intent="")
        elif self.intent:
            q &= Q(intent=self.intent)
        if self.sector:
            q &= Q(sector_id=self.sector)
        if self.cluster == NONE:
            q &= Q(cluster__isnull=True)
        elif self.cluster:
            q &= Q(cluster_id=int(self.cluster))
        if self.volume_min is not None:
            q &= Q(volume__gte=self.volume_min)
        if self.volume_max is not None:
            q &= Q(volume__lte=self.volume_max)
        if self.difficulty_min is not None:
            q &= Q(difficulty__gte=self.difficulty_min)
        if self.difficulty_max is not None:
            q &= Q(difficulty__lte=self.difficulty_max)
        if self.disabled:
            q &= Q(disabled=self.disabled == "yes")
        return q

    def ordering(self) -> list[OrderBy]:
        key = SORTS[self.sort_field]
        descending = self.sort_descending
        expression = F(key.expression)
        # Keywords without a CPC or cluster go last either way; the id keeps pages stable.
        primary = (
            expression.desc(nulls_last=key.nullable or None)
            if descending
            else expression.asc(nulls_last=key.nullable or None)
        )
        tie = F("pk").desc() if descending else F("pk").asc()
        return [primary, tie]


# --- the page's lists -------------------------------------------------------------------------


def site_sectors(*, site: Site) -> list[Sector]:
    return list(site.sectors.order_by(Lower("name"), "pk").only("id", "name", "site_id"))


def site_clusters(*, site: Site) -> list[Cluster]:
    """Live clusters of the site, for the cluster filter and the "move to cluster" picker."""
    return list(
        Cluster.objects.alive()
        .filter(site=site)
        .order_by(Lower("name"), "pk")
        .only("id", "name", "sector_id", "keyword_count")
    )


def keyword_filters(
    *,
    site: Site,
    query: QueryDict,
    sectors: list[Sector] | None = None,
    clusters: list[Cluster] | None = None,
) -> KeywordFilters:
    """The filters of a request. With the site's sector and cluster lists at hand (the full
    page shows them) ids are checked against those; without (the table alone, a bulk action)
    a filtered id costs one small query, and no filter none."""
    if sectors is not None:
        sector_ids = {s.pk for s in sectors}
        sector_ok = sector_ids.__contains__
    else:

        def sector_ok(pk: int) -> bool:
            return Sector.objects.filter(site=site, pk=pk).exists()

    if clusters is not None:
        cluster_ids = {c.pk for c in clusters}
        cluster_ok = cluster_ids.__contains__
    else:

        def cluster_ok(pk: int) -> bool:
            return Cluster.objects.alive().filter(site=site, pk=pk).exists()

    return KeywordFilters.from_query(query, sector_ok=sector_ok, cluster_ok=cluster_ok)


def keyword_count(*, site: Site, filters: KeywordFilters) -> int:
    """Live keywords matching the filters: one COUNT, no joins."""
    return site_keywords(site=site).filter(filters.where()).count()


def site_cluster(*, site: Site, pk: int) -> Cluster | None:
    """A live cluster of the site, or None."""
    return Cluster.objects.alive().filter(site=site, pk=pk).first()


def site_keywords(*, site: Site) -> QuerySet[Keyword]:
    """Live keywords of the site (the base of the list, the bulk actions and the export)."""
    return Keyword.objects.alive().filter(site=site)


ROW_FIELDS = (
    "id",
    "text",
    "volume",
    "difficulty",
    "intent",
    "cpc",
    "status",
    "disabled",
    "created",
    "cluster_id",
    "cluster__name",
    "sector__name",
)


def keyword_list(*, site: Site, filters: KeywordFilters) -> QuerySet[Keyword]:
    """The live keywords of the site that match the filters, sorted."""
    return site_keywords(site=site).filter(filters.where()).order_by(*filters.ordering())


@dataclass(frozen=True)
class KeywordPage:
    rows: list[tuple]  # ROW_FIELDS
    total: int  # every live keyword matching the filters (0 when the page came back empty)


def keyword_page(*, site: Site, filters: KeywordFilters, offset: int, limit: int) -> KeywordPage:
    """One page of the list and the count of the whole list, in one query.

    The page's ids are chosen by a subquery on the keyword table alone, and only those rows
    are joined to their cluster and sector: sorting 50,000 joined rows to keep 50 would cost
    ten times more. The count is an uncorrelated subquery without joins, which PostgreSQL
    runs once for the statement; it rides on the rows, so an empty page does not carry it.
    """
    matching = keyword_list(site=site, filters=filters)
    ids = matching.values("pk")[offset : offset + limit]
    total = matching.order_by().values("site").annotate(n=Count("*")).values("n")
    rows = list(
        Keyword.objects.filter(pk__in=Subquery(ids))
        .annotate(total=Subquery(total))
        .order_by(*filters.ordering())
        .values_list(*ROW_FIELDS, "total")
    )
    return KeywordPage(rows=[row[:-1] for row in rows], total=rows[0][-1] if rows else 0)


def _day(moment: datetime) -> str:
    """The day as the template's `date:"j M Y"` writes it (5 Mar 2026), at a fraction of the
    cost."""
    local = timezone.localtime(moment)
    return f"{local.day} {MONTHS_3[local.month].title()} {local.year}"


def keyword_rows(values: Iterable[tuple]) -> list[dict[str, object]]:
    """Table rows with every cell already a string. A page is up to 100 rows of 10 cells: formatting
    them here, rather than through template filters and model attributes, takes the
    rendering from the largest cost of the request to a small one."""
    intents = dict(Intent.choices)
    statuses = dict(KeywordStatus.choices)
    rows = []
    for (
        pk,
        text,
        volume,
        difficulty,
        intent,
        cpc,
        status,
        disabled,
        created,
        cluster_id,
        cluster,
        sector,
    ) in values:
        rows.append(
            {
                "pk": str(pk),
                "text": text,
                "volume": f"{volume:,}",
                "difficulty": str(difficulty),
                "intent": intents.get(intent, ""),
                "cpc": "" if cpc is None else str(cpc),
                "status": status,
                "status_label": statuses.get(status, status),
                "disabled": disabled,
                "created": _day(created),
                "cluster_id": "" if cluster_id is None else str(cluster_id),
                "cluster": cluster or "",
                "sector": sector,
            }
        )
    return rows


def keywords_selected(
    *, site: Site, ids: Iterable[int], all_matching: bool, filters: KeywordFilters
) -> QuerySet[Keyword]:
    """The keywords a bulk action applies to: every live keyword of the site that matches the
    filters ("all matching"), or the chosen ids among them. Ids of other sites, of trashed
    keywords or of nothing at all simply match no row."""
    return selection(
        site_keywords(site=site), ids=ids, all_matching=all_matching, where=filters.where()
    )


TRASH_LIST = ListSpec(filters=())


def trash_list(*, site: Site) -> QuerySet[Keyword]:
    return (
        Keyword.objects.trashed()
        .filter(site=site)
        .select_related("sector")
        .only("id", "text", "volume", "difficulty", "status", "deleted_at", "sector__name")
        .order_by("-deleted_at", "-pk")
    )


def trash_selected(*, site: Site, ids: Iterable[int] | None) -> QuerySet[Keyword]:
    """Trashed keywords of the site: all of them (None), or those of these ids."""
    keywords = Keyword.objects.trashed().filter(site=site)
    return selection(keywords, ids=ids or (), all_matching=ids is None, where=Q())
