"""The endpoints: each turns a checked call into one inbound service call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.publisher.api.framework import ApiError, Call
from apps.publisher.services import inbound, pull


def connection_test(call: Call) -> dict[str, Any]:
    return inbound.connection_reached(
        connection=call.connection, report=call.body, request_id=call.request_id
    )


def site_structure(call: Call) -> dict[str, Any]:
    return inbound.structure_save(
        connection=call.connection, structure=call.body, request_id=call.request_id
    )


def _post_id(body: dict) -> int | None:
    """The WordPress post id, sent as `remote_id` or `post_id` (the schema allows one)."""
    for name in ("remote_id", "post_id"):
        if name in body:
            return int(body[name])
    return None


def post_status(call: Call) -> dict[str, Any]:
    body = call.body
    return inbound.post_status_apply(
        site=call.site,
        status=body["status"],
        post_id=_post_id(body),
        content_id=int(body["content_id"]) if "content_id" in body else None,
        permalink=body.get("permalink", ""),
        deleted=bool(body.get("deleted", False)),
        request_id=call.request_id,
    ).as_data()


def content_list(call: Call) -> dict[str, Any]:
    since = None
    if "updated_since" in call.params:
        since = _datetime(call.params["updated_since"])
    return pull.contents_page(
        site=call.site,
        page=call.params["page"],
        per_page=call.params["per_page"],
        publishing_status=call.params.get("publishing_status", ""),
        updated_since=since,
        request_id=call.request_id,
    )


def content_detail(call: Call) -> dict[str, Any]:
    return pull.content_read(
        site=call.site, content_id=call.params["content_id"], request_id=call.request_id
    )


def content_ack(call: Call) -> dict[str, Any]:
    body = call.body
    return inbound.content_ack(
        site=call.site,
        content_id=call.params["content_id"],
        post_id=_post_id(body),
        url=body.get("url", ""),
        status=body.get("status", "publish"),
        request_id=call.request_id,
    ).as_data()


def _datetime(text: str) -> dt.datetime:
    try:
        value = parse_datetime(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(
            400,
            "invalid",
            "Some parameters are not right; see `fields`.",
            fields={
                "updated_since": [
                    "Must be a date and time with its offset, e.g. 2026-01-31T09:00:00+00:00."
                ]
            },
        )
    # In UTC: PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows.
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # a year-1 or year-9999 edge moved out of range by its offset
        return (dt.datetime.min if value.year == 1 else dt.datetime.max).replace(tzinfo=dt.UTC)


HANDLERS = {
    "connection_test": connection_test,
    "connection_test_post": connection_test,
    "site_structure": site_structure,
    "post_status": post_status,
    "content_list": content_list,
    "content_detail": content_detail,
    "content_ack": content_ack,
}
