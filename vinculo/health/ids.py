"""``IdIn``: a filter on a long list of ids that costs one parameter on PostgreSQL.

A full recompute filters every fact read by a chunk's ids (about 10,000 people, 1,000
accounts). Written as ``person_id__in=ids``, Django prepares each id through the field's
lookups and the driver parses a statement with thousands of placeholders: on the 1 M
interaction demo that Python work cost more time than several of the reads themselves
(docs/benchmarks.md). ``IdIn`` renders ``column = ANY(%s)`` with the ids as one array on
PostgreSQL, and ``column IN (…)`` on SQLite (whose planner then searches the index once
per id, the plans ``test_query_plans`` pins), with the ids as plain integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import BooleanField, Expression, F


class IdIn(Expression):
    """``filter(IdIn("person_id", ids))``: the rows whose column is one of the ids."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str | Any, ids: Iterable[int]) -> None:
        super().__init__(output_field=BooleanField())
        self.lhs = F(column) if isinstance(column, str) else column
        self.ids = sorted({int(pk) for pk in ids})

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.lhs,) = exprs

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> IdIn:
        clone = self.copy()
        clone.lhs = self.lhs.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return clone

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.ids:
            raise EmptyResultSet
        lhs, params = compiler.compile(self.lhs)
        return id_in_sql(connection.vendor, lhs, self.ids, list(params))


def id_in_sql(
    vendor: str, column: str, ids: list[int], params: list[Any] | None = None
) -> tuple[str, list[Any]]:
    """(SQL, params) for ``column`` being one of ``ids`` (a non-empty list), in raw SQL."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [*(params or []), array_literal(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", [*(params or []), *ids]


def array_literal(ids: Iterable[int]) -> str:
    """PostgreSQL's text form of an array of integers, ``{1,2,3}``, for a ``%s::bigint[]``.

    The same SQL as passing the list (Django's psycopg cursor binds on the client: either
    becomes the literal ``'{1,2,3}'`` cast to ``bigint[]``), without the driver dumping
    each element through its adapters: for a full run's ten-thousand-id lists that cost
    ~0.8 s per run (docs/benchmarks.md, third pass).
    """
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"
