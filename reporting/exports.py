"""CSV and XLSX exports of the management report's tables."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from . import figures as figures_module


def _plain(value: figures_module.Cell) -> str | int | float | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def figures_csv(table: figures_module.Table) -> str:
    """One table as CSV (semicolon, decimal comma: what Dutch Excel opens without a wizard)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            [
                "" if value is None else str(value).replace(".", ",") if isinstance(value, Decimal) else value
                for value in row
            ]
        )
    return buffer.getvalue()


def figures_xlsx(figures: figures_module.Figures) -> bytes:
    """Every table of the report on its own sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in figures.tables.values():
        sheet = workbook.create_sheet(title=table.key[:31])
        sheet.append([table.title])
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append([_plain(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
