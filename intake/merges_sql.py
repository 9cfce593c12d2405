"""Running the merges' SQL on PostgreSQL and, with a few spellings adapted, on SQLite."""

from __future__ import annotations

from typing import Any

from django.db import connection


def adapt(statement: str) -> str:
    """Adapt the few PostgreSQL spellings the merges use to SQLite."""
    if connection.vendor == "postgresql":
        return statement
    return (
        statement.replace("GREATEST(", "MAX(")
        .replace("LEAST(", "MIN(")
        .replace("IS DISTINCT FROM", "IS NOT")
        .replace("::numeric", "")
    )


def execute(statement: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(adapt(statement), params)
        return cursor.rowcount


def fetch_one(statement: str, params: dict[str, Any]) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(adapt(statement), params)
        return cursor.fetchone() or ()
