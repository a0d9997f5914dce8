"""Streaming readers for ledger files: rows come one at a time, never the whole file.

CSV is read line by line with the csv module (UTF-8, with or without BOM, or GB18030 as Excel
saves it on a Chinese Windows); XLSX through openpyxl in read-only mode, which parses the sheet
XML as it goes. An XLSX workbook has one sheet per record kind, named by the kind in English or
Chinese; a CSV file holds one kind, given by the caller or inferred from its headers.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Final

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from customer_api.imports.columns import (
    FALSE_WORDS,
    SHEET_NAMES,
    TRUE_WORDS,
    VALUE_ALIASES,
    HeaderProblem,
    ImportKind,
    column_types,
    infer_kind,
    resolve_headers,
    sheet_kind,
)

XLSX_MAGIC: Final = b"PK\x03\x04"
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"  # legacy .xls
_SNIFF_BYTES: Final = 64 * 1024
# Excel saves CSV with ",", or ";" where "," is the decimal mark; "Unicode text" with tabs.
_DELIMITERS: Final = ",;\t"
ORDER: Final = list(ImportKind)  # customers before what refers to them
_INTEGER: Final = re.compile(r"-?[0-9]+")


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``problems`` name the columns or sheets at fault."""

    def __init__(self, message: str, problems: list[HeaderProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True)
class SheetPlan:
    kind: ImportKind
    title: str
    headers: list[str]
    fields: list[str | None]


Cells = dict[str, object]


def detect_format(path: Path, filename: str) -> str:
    """'xlsx' or 'csv', by the file's first bytes; the name only breaks ties for text."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ImportFileError("legacy .xls workbooks are not read; save the file as .xlsx")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError("the file is named .xlsx but is not an XLSX workbook")
    if b"\x00" in head:
        raise ImportFileError("the file is neither CSV text nor an XLSX workbook")
    return "csv"


def csv_encoding(path: Path) -> str:
    """utf-8-sig when the start decodes as UTF-8, else gb18030 (Excel's Chinese CSV)."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def _text(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", value).strip()
    return text or None


def convert(value: object, kind: str, field: str) -> object:
    """One cell as the API schema expects it; None for an empty cell.

    Spreadsheet numbers arrive as floats: money and ratios go through their shortest decimal
    form (repr), so 1234567.89 stays exactly that and never gains binary noise.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = _text(value)
        if text is None:
            return None
        if field in VALUE_ALIASES:
            return VALUE_ALIASES[field].get(text, text.lower())
        if kind == "bool":
            lowered = text.lower()
            return True if lowered in TRUE_WORDS else False if lowered in FALSE_WORDS else text
        if kind == "int":
            # The API takes JSON integers only (strict); a cell is text, so a whole number in it
            # becomes one here and anything else stays text for the schema to refuse.
            digits = text.replace(",", "")
            return int(digits) if _INTEGER.fullmatch(digits) else digits
        if kind in ("money", "ratio"):
            return text.replace(",", "")
        return text
    if isinstance(value, datetime):
        return value.date() if kind == "date" else value.isoformat()
    if isinstance(value, bool | date):
        return value
    if isinstance(value, float):
        if value.is_integer() and kind in ("int", "text"):
            return str(int(value)) if kind == "text" else int(value)
        return Decimal(repr(value)) if kind in ("money", "ratio") else repr(value)
    if isinstance(value, int):
        return str(value) if kind == "text" else value
    return str(value)


def _cells(plan: SheetPlan, types: dict[str, str], values: tuple[object, ...] | list[str]) -> Cells:
    row: Cells = {}
    for field, raw in zip(plan.fields, values, strict=False):
        if field is None:
            continue
        value = convert(raw, types[field], field)
        if value is not None:
            row[field] = value
    return row


class LedgerFile:
    """An opened ledger file: :attr:`plans` in processing order, then :meth:`rows` per plan."""

    def __init__(self, path: Path, fmt: str, *, kind: ImportKind | None, filename: str) -> None:
        self.path = path
        self.format = fmt
        self._workbook: Workbook | None = None
        self._handle: IO[bytes] | None = None
        self._encoding = "utf-8-sig"
        try:
            if fmt == "xlsx":
                self.plans = self._open_xlsx()
            else:
                self.plans = [self._open_csv(kind, filename)]
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> LedgerFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    # CSV --------------------------------------------------------------------------------

    def _csv_reader(self, handle: IO[str]) -> Iterator[list[str]]:
        """Excel's quoting (what Excel and csv.writer write: fields holding the delimiter, a
        quote or a line break are quoted, quotes inside doubled) with the header's delimiter.

        Only the delimiter is sniffed: a whole sniffed dialect judged quoting from the header
        line alone, where no quote is ever doubled, so it read "" inside a quoted field as the
        field's end and split the rest of it into the next columns.
        """
        header = handle.readline()
        handle.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(header, _DELIMITERS).delimiter
        except csv.Error:
            delimiter = ","
        return csv.reader(handle, csv.excel, delimiter=delimiter)

    def _open_csv(self, kind: ImportKind | None, filename: str) -> SheetPlan:
        self._encoding = csv_encoding(self.path)
        with self.path.open(encoding=self._encoding, newline="") as handle:
            try:
                headers = next(iter(self._csv_reader(handle)), None)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ImportFileError(f"the header line cannot be read as CSV ({exc})") from exc
        if not headers:
            raise ImportFileError("the file is empty: the first line must hold the headers")
        kind = kind or infer_kind(headers)
        if kind is None:
            raise ImportFileError(
                "cannot tell which records the file holds from its headers; "
                "send kind=customers|financial_statements|contracts|collaterals"
            )
        return self._plan(kind, filename, headers)

    def _csv_rows(self, plan: SheetPlan) -> Iterator[tuple[int, Cells]]:
        types = column_types(plan.kind)
        with self.path.open(encoding=self._encoding, newline="") as handle:
            reader = self._csv_reader(handle)
            next(iter(reader), None)
            for number, values in enumerate(reader, start=2):
                yield number, _cells(plan, types, values)

    # XLSX -------------------------------------------------------------------------------

    def _open_xlsx(self) -> list[SheetPlan]:
        try:
            # A file object: openpyxl judges a path by its extension, and spooled files have none.
            self._handle = self.path.open("rb")
            self._workbook = load_workbook(self._handle, read_only=True, data_only=True)
        except Exception as exc:  # zip or XML damage: openpyxl raises many kinds
            raise ImportFileError(f"the XLSX workbook cannot be read ({exc})") from exc
        plans: list[SheetPlan] = []
        problems: list[HeaderProblem] = []
        for sheet in self._workbook.worksheets:
            kind = sheet_kind(sheet.title)
            if kind is None:
                names = ", ".join(SHEET_NAMES)
                problems.append(HeaderProblem(sheet.title, f"unknown sheet; use one of {names}"))
                continue
            if any(plan.kind is kind for plan in plans):
                problems.append(HeaderProblem(sheet.title, f"a second sheet of {kind.value}"))
                continue
            first = next(sheet.iter_rows(max_row=1, values_only=True), ())
            headers = ["" if h is None else str(h) for h in first]
            try:
                plans.append(self._plan(kind, sheet.title, headers))
            except ImportFileError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ImportFileError("the workbook's sheets or columns are not as expected", problems)
        if not plans:
            raise ImportFileError("the workbook has no sheet to import")
        return sorted(plans, key=lambda plan: ORDER.index(plan.kind))

    def _xlsx_rows(self, plan: SheetPlan) -> Iterator[tuple[int, Cells]]:
        assert self._workbook is not None
        types = column_types(plan.kind)
        sheet = self._workbook[plan.title]
        for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            yield number, _cells(plan, types, values)

    # Both -------------------------------------------------------------------------------

    def _plan(self, kind: ImportKind, title: str, headers: list[str]) -> SheetPlan:
        fields, problems = resolve_headers(kind, headers)
        if problems:
            raise ImportFileError(f"the {title} columns are not as expected", problems)
        return SheetPlan(kind=kind, title=title, headers=headers, fields=fields)

    def rows(self, plan: SheetPlan) -> Iterator[tuple[int, Cells]]:
        """(row number as a spreadsheet shows it, non-empty cells by field), blank rows skipped."""
        source = self._xlsx_rows(plan) if self.format == "xlsx" else self._csv_rows(plan)
        for number, cells in source:
            if cells:
                yield number, cells

    def estimated_rows(self) -> int:
        """Data rows, for progress: counted for CSV, the sheets' stated size for XLSX."""
        if self.format == "csv":
            with self.path.open(encoding=self._encoding, newline="") as handle:
                return max(sum(1 for _ in self._csv_reader(handle)) - 1, 0)
        assert self._workbook is not None
        return sum(max((self._workbook[p.title].max_row or 1) - 1, 0) for p in self.plans)

    def header_of(self, plan: SheetPlan, field: str) -> str:
        """The column as the file names it (what the user will look for)."""
        for header, name in zip(plan.headers, plan.fields, strict=False):
            if name == field:
                return header
        return field
