"""One list machinery: the list pages (keywords, clusters, ideas, tasks, contents, review, runs,
the sync log, the trashes, notifications, the ledger, images) read their filters, sorts, pages and
ticked rows here, and draw their filter bar, column heads, bulk bar, count, table and pager from
`templates/components/` (`filter_fields`, `sort_head`, `bulk_bar`, `list_head`, `list_body`,
`pager`). A list declares what differs (a `ListSpec`: its filters, sorts and page size; its
`Action`s; its `ListTable`: templates and nouns) and its view stays thin.

Filters are read from a query string (GET, or a bulk POST that repeats the list's filters, so
"all matching" is re-applied server-side through the very code that showed the list). A value
that makes no sense is dropped, and named in `Filters.ignored` when the list wants to say so;
everything else still applies.
"""

from igny8.lists.filters import (
    Choice,
    Filter,
    Filters,
    Flag,
    ListSpec,
    Ref,
    Search,
    Value,
    selection,
    ticked,
)
from igny8.lists.page import (
    Action,
    Field,
    ListTable,
    Pager,
    bulk_bar,
    page_url,
    refuse_bulk,
    render_list,
    row_urls,
    search_field,
    select_field,
    sort_header,
    wants_rows,
)

__all__ = [
    "Action",
    "Choice",
    "Field",
    "Filter",
    "Filters",
    "Flag",
    "ListSpec",
    "ListTable",
    "Pager",
    "Ref",
    "Search",
    "Value",
    "bulk_bar",
    "page_url",
    "refuse_bulk",
    "render_list",
    "row_urls",
    "search_field",
    "select_field",
    "selection",
    "sort_header",
    "ticked",
    "wants_rows",
]
