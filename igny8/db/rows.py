"""Model instances from one plain SELECT, for the few lookups every request makes.

Building a query through the ORM (filter, clone, compile) costs ~0.3-0.5 ms of Python CPU,
about the same as the rest of a small request's middleware together; the session, the
membership and the subscription are read on every page. `select_one` sends the SELECT the
ORM would send for `Model.objects.select_related(...).filter(<where>)[:1]` (every concrete
column, the related rows joined) and builds the instances the way the ORM does
(`Model.from_db`, with each field's database converters applied), so the objects are the
same as the ORM's.

Only for fixed lookups written here with bound parameters: the WHERE clause is SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import Model


@lru_cache(maxsize=64)
def _shape(model: type[Model], alias: str) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
    """(select list, attribute names, converters per column) of a model's concrete fields."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    select = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
    converters = []
    for f in fields:
        col = f.get_col(alias)
        converters.append(
            (tuple(connection.ops.get_db_converters(col) + f.get_db_converters(connection)), col)
        )
    return select, tuple(f.attname for f in fields), tuple(converters)


def _build[M: Model](model: type[M], alias: str, values: Sequence[Any]) -> M:
    _select, names, converters = _shape(model, alias)
    converted = []
    for value, (funcs, col) in zip(values, converters, strict=True):
        for func in funcs:
            value = func(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


def select_one[M: Model](
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    related: Sequence[tuple[str, type[Model]]] = (),
) -> M | None:
    """The first row of `model` (table alias `t`) matching `where`, or None.

    `related`: (foreign key name, its model) pairs joined and attached like `select_related`
    (aliases `r0`, `r1`, … in `where`)."""
    quote = connection.ops.quote_name
    select, names, _converters = _shape(model, "t")
    columns = [select]
    joins = []
    for i, (name, rel_model) in enumerate(related):
        alias = f"r{i}"
        columns.append(_shape(rel_model, alias)[0])
        fk = model._meta.get_field(name)
        joins.append(
            f" JOIN {quote(rel_model._meta.db_table)} {alias}"
            f" ON {alias}.{quote(fk.target_field.column)} = t.{quote(fk.column)}"
        )
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t{''.join(joins)}"
        f" WHERE {where} LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(names)
    instance = _build(model, "t", row[:width])
    start = width
    for i, (name, rel_model) in enumerate(related):
        rel_width = len(_shape(rel_model, f"r{i}")[1])
        setattr(instance, name, _build(rel_model, f"r{i}", row[start : start + rel_width]))
        start += rel_width
    return instance


def select_all[M: Model](
    model: type[M], where: str, params: Sequence[Any], *, join: str = "", order_by: str = ""
) -> list[M]:
    """Every row of `model` (table alias `t`) matching `where`, in `order_by` order: the
    SELECT `Model.objects.filter(...).order_by(...)` would send. `join`: SQL joined in for
    the WHERE clause only (its columns are not read)."""
    select, _names, _converters = _shape(model, "t")
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {select} FROM {table} t {join} WHERE {where}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return [_build(model, "t", row) for row in rows]
