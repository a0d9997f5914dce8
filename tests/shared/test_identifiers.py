"""Chinese identifiers (docs/DOMAIN.md §7): credit codes, resident ID numbers, industry codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantee_shared.identifiers import (
    USCC_ALPHABET,
    id_number_problem,
    industry_problem,
    mask_id_number,
    normalise,
    uscc_check_char,
    uscc_problem,
)


@pytest.mark.parametrize("code", ["91320621MA1MRHG205", "91410100727019618B", "914403001922038216"])
def test_domain_vectors_are_valid_credit_codes(code: str) -> None:
    assert uscc_problem(code) is None
    assert uscc_check_char(code[:17]) == code[17]


def test_wrong_check_character_is_reported_with_the_expected_one() -> None:
    problem = uscc_problem("91320621MA1MRHG207")
    assert problem == "check character is 7, GB 32100-2015 gives 5"


def test_legacy_pilot_code_fails_the_check() -> None:
    # Real but pre-standard; only a configured allow-list lets it in (see test_customers).
    problem = uscc_problem("91350100M0001TGQXM")
    assert problem is not None
    assert "check character" in problem


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91320621MA1MRHG20", "18 characters, not 17"),
        ("91320621MA1MRHG2055", "18 characters, not 19"),
        ("91320621MA1MRHGI05", "not allowed"),  # I is not in the alphabet
        ("91320621MA1MRHGO0Z", "credit code: OZ"),
    ],
)
def test_malformed_credit_codes_say_what_is_wrong(code: str, fragment: str) -> None:
    problem = uscc_problem(code)
    assert problem is not None
    assert fragment in problem


def test_full_width_lower_case_and_padded_input_normalises() -> None:
    wide = "\u3000９１３２０６２１ｍａ１ｍｒｈｇ２０５ "
    assert normalise(wide) == "91320621MA1MRHG205"
    assert uscc_problem(normalise(wide)) is None
    assert normalise(" 11010519491231002x") == "11010519491231002X"


_body = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@settings(max_examples=300, database=None)
@given(_body)
def test_any_body_with_its_computed_check_character_validates(body: str) -> None:
    assert uscc_problem(body + uscc_check_char(body)) is None


@settings(max_examples=300, database=None)
@given(_body, st.integers(min_value=0, max_value=17), st.data())
def test_changing_any_one_character_invalidates_a_code(
    body: str, position: int, data: st.DataObject
) -> None:
    code = body + uscc_check_char(body)
    replacement = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != code[position]]))
    changed = code[:position] + replacement + code[position + 1 :]
    assert uscc_problem(changed) is not None


def test_domain_id_number_is_valid() -> None:
    assert id_number_problem("11010519491231002X") is None


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194902301234", "not a real date"),  # 30 February
        ("110105194913311234", "not a real date"),  # month 13
        ("110105194912310021", "check character is 1, GB 11643 gives X"),
        ("11010519491231002", "17 digits followed by a digit or X"),
        ("1101051949123100XX", "17 digits followed by a digit or X"),
    ],
)
def test_bad_id_numbers_are_reported(number: str, fragment: str) -> None:
    problem = id_number_problem(number)
    assert problem is not None
    assert fragment in problem


def test_id_number_mask_keeps_region_prefix_and_last_four() -> None:
    assert mask_id_number("11010519491231002X") == "110***********002X"


@pytest.mark.parametrize(
    "code",
    [
        "A",
        "A01",
        "A05",
        "B06",
        "B12",
        "C13",
        "C39",
        "C3911",
        "C43",
        "F51",
        "F52",
        "G60",
        "I65",
        "K70",
        "K7010",
        "L72",
        "P83",
        "S96",
        "T97",
    ],
)
def test_industry_codes_inside_their_section(code: str) -> None:
    assert industry_problem(code) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("A06", "division 06 is not in section A (its divisions are 01-05)"),
        ("B13", "not in section B"),
        ("C05", "not in section C"),
        ("C44", "not in section C"),
        ("F53", "not in section F"),
        ("K71", "not in section K"),
        ("T98", "not in section T"),
    ],
)
def test_industry_divisions_outside_their_section(code: str, fragment: str) -> None:
    problem = industry_problem(code)
    assert problem is not None
    assert fragment in problem


@pytest.mark.parametrize("code", ["U", "C3", "C39111", "39", "CC39", "c39", ""])
def test_industry_code_shapes_that_are_not_codes(code: str) -> None:
    assert industry_problem(code) is not None


def test_industry_code_is_checked_after_normalisation() -> None:
    assert industry_problem(normalise("ｃ３９１１")) is None
