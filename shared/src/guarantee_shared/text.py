"""Text as people type it into the platform: what a text field may hold, one rule for all.

Names, codes and other one-line fields refuse every C0 and C1 control character; free text
(notes, descriptions) may also hold tab, line feed and carriage return. Both rules are a
``pattern`` in the field's JSON schema, so the OpenAPI document states them. NUL is a control
character under both; the route class refuses it in any other part of a request as well
(PostgreSQL cannot store it), see :mod:`guarantee_shared.web.routing`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

NUL = "\x00"
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"

# Markers to add to a string type of any length: Annotated[str, StringConstraints(...), OneLine]
OneLine = StringConstraints(pattern=SINGLE_LINE_PATTERN)
FreeText = StringConstraints(pattern=MULTI_LINE_PATTERN)

# The lengths the API uses; surrounding white space is trimmed from one-line fields.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), OneLine
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), OneLine
]
Note = Annotated[str, StringConstraints(max_length=2000), FreeText]
LongNote = Annotated[str, StringConstraints(max_length=4000), FreeText]


def has_nul(value: str) -> bool:
    return NUL in value
