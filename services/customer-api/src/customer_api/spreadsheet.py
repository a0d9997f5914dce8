"""Cells for every XLSX the platform writes: text is an inert string, and always storable.

Formula injection (OWASP "CSV injection"): text beginning with ``=``, ``+``, ``-``, ``@``, a
tab or a CR, or their full-width forms, can be taken for a formula by a spreadsheet, and
openpyxl itself turns any str beginning with ``=`` into a live formula cell. OWASP offers two
cures: prefix such text with an apostrophe, or make sure it is stored as text. In XLSX the
second is exact: a cell typed as a string (``t="inlineStr"``) is shown as it is and never
evaluated by Excel, WPS or LibreOffice, so every str goes out that way and the reader sees
the original text, character for character (an apostrophe would become part of the value,
and would come back on re-import). CSV has no types; the one CSV the platform writes, the
import template, holds only our own example text, and a test keeps it free of those prefixes.

XML 1.0, which holds a sheet, cannot carry C0 controls other than tab, LF and CR, nor U+FFFE,
U+FFFF or lone surrogates. openpyxl raises for the C0 controls (one bad name would fail a whole
report) and writes the others into a file Excel calls corrupt; both become U+FFFD, the
replacement character, so the reader still sees that something stood there.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Final, TypeAlias

from openpyxl.cell.cell import TYPE_STRING, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

# The complement of XML 1.0's Char production; wider than openpyxl's ILLEGAL_CHARACTERS_RE,
# which misses U+FFFE, U+FFFF and surrogates.
_NOT_XML: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT: Final = "\ufffd"

Value: TypeAlias = str | bool | int | float | Decimal | date | datetime | None


def storable(text: str) -> str:
    """The text with every character XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, text)


def cell(sheet: Worksheet | WriteOnlyWorksheet, value: Value) -> Cell:
    """A cell to append to ``sheet`` (normal or write-only; appending places it): text as an
    inert string, other values typed by openpyxl (numbers, dates, booleans)."""
    if not isinstance(value, str):
        return Cell(sheet, row=1, column=1, value=value)
    text = Cell(sheet, row=1, column=1, value=storable(value))
    # openpyxl has typed "=…" as a formula and "#N/A" as an error; a string it stays.
    text.data_type = TYPE_STRING
    return text
