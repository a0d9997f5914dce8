"""Blank ledger files to fill in: headers are the contract's field names, one example row.

The example rows refer to each other (the contract's customer, the collateral's contract), so
a downloaded template imports as it is.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook

from customer_api.imports.columns import COLUMNS, Column, ImportKind
from customer_api.spreadsheet import Value, cell


def _typed(column: Column) -> Value:
    value = column.example
    if isinstance(value, str) and column.type == "date":
        return date.fromisoformat(value)
    if isinstance(value, str) and column.type == "money":
        return Decimal(value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"the example of {column.name} is not a spreadsheet value: {value!r}")


def xlsx_template(kinds: list[ImportKind]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for kind in kinds:
        sheet = workbook.create_sheet(kind.value)
        # Through spreadsheet.cell: example text is written as inert strings like any export.
        sheet.append([cell(sheet, column.name) for column in COLUMNS[kind]])
        sheet.append([cell(sheet, _typed(column)) for column in COLUMNS[kind]])
        for example in sheet[2]:
            if isinstance(example.value, date):
                example.number_format = "yyyy-mm-dd"
            elif isinstance(example.value, str):
                example.number_format = "@"  # codes keep their leading zeros
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_template(kind: ImportKind) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese example text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.name for column in COLUMNS[kind]])
    writer.writerow(["" if column.example is None else column.example for column in COLUMNS[kind]])
    return ("\ufeff" + buffer.getvalue()).encode()
