"""Chinese identifiers: 统一社会信用代码 (GB 32100-2015), 居民身份证号 (GB 11643-1999),
and GB/T 4754-2017 industry codes. Normalise first, then check (docs/DOMAIN.md §7)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# Section letter -> inclusive range of its two-digit divisions (GB/T 4754-2017).
INDUSTRY_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}
_INDUSTRY = re.compile(r"^([A-T])(\d{2,4})?$")


def normalise(value: str) -> str:
    """Trim, fold full-width characters to half-width (NFKC), upper-case."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None if ``code`` (already normalised) is a valid credit code, else what is wrong."""
    if len(code) != 18:
        return f"a unified social credit code has 18 characters, not {len(code)}"
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        return f"characters not allowed in a unified social credit code: {''.join(bad)}"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, GB 32100-2015 gives {expected}"
    return None


def id_number_problem(number: str) -> str | None:
    """None if ``number`` (normalised) is a valid 18-digit resident ID number."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "a resident ID number is 17 digits followed by a digit or X"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "positions 7-14 of the ID number are not a real date of birth"
    expected = ID_CHECK[sum(int(c) * w for c, w in zip(number[:17], ID_WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        return f"check character is {number[17]}, GB 11643 gives {expected}"
    return None


def mask_id_number(number: str) -> str:
    """``110***********1234``: the region prefix and the last four only."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def industry_problem(code: str) -> str | None:
    """None if ``code`` is a section letter optionally followed by a 2–4 digit code in range."""
    match = _INDUSTRY.match(code)
    if not match:
        return "an industry code is a section letter A-T, optionally followed by 2-4 digits"
    section, digits = match.groups()
    if digits:
        if len(digits) == 1:
            return "an industry code's digits are 2, 3 or 4 long"
        low, high = INDUSTRY_SECTIONS[section]
        division = int(digits[:2])
        if not low <= division <= high:
            return (
                f"division {digits[:2]} is not in section {section} "
                f"(its divisions are {low:02d}-{high:02d})"
            )
    return None


def industry_section(code: str) -> str:
    return code[0]
