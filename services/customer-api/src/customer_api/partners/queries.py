"""Which customers a partner may see, as SQL that a look-up or an event query embeds.

A partner sees a customer while the customer has, or had within the last 24 months, a contract
whose ``lender`` is one of the partner's names: a contract that has not left force
(``released_on`` is null — pending ones too: a bank deciding whether to lend sees whom it would
lend to) or that left it on or after the day 24 months before today (China's business date).
Names match exactly; both sides are trimmed when written.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute

from customer_api.models import Contract, Customer, Partner, PartnerLender
from guarantee_shared.clock import add_months

VISIBLE_MONTHS = 24

# The fields a partner is shown (docs/CONTRACT.md, GET /v1/ratings/{credit_code}).
DISCLOSED = (
    Customer.credit_code,
    Customer.name,
    Customer.credit_grade,
    Customer.risk_tier,
    Customer.customer_class,
    Customer.score,
    Customer.rated_at,
    Customer.model_version,
)


def visible_since(today: date) -> date:
    """The earliest release date of a contract that still makes its customer visible."""
    return add_months(today, -VISIBLE_MONTHS)


def financed_by(
    partner_id: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID] | uuid.UUID,
    customer_id: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID] | uuid.UUID,
    *,
    today: date,
) -> ColumnElement[bool]:
    """True when the partner's lenders finance the customer now or did within 24 months."""
    return exists().where(
        Contract.customer_id == customer_id,
        PartnerLender.lender == Contract.lender,
        PartnerLender.partner_id == partner_id,
        or_(Contract.released_on.is_(None), Contract.released_on >= visible_since(today)),
    )


def partner_id_of(code: str) -> ColumnElement[uuid.UUID]:
    return select(Partner.id).where(Partner.code == code).scalar_subquery()


def lookup(codes: Sequence[str], *, partner: str | None, today: date) -> Select[Any]:
    """One statement for any number of codes: a row per code, in order, with the disclosed
    fields when the caller may see a rated customer of that code, else nulls.

    Unknown, unrated and out-of-scope codes take the same path through the same statement,
    and the caller's partner is resolved in it too (``partner_known``), so a look-up is one
    round trip whatever it finds.
    """
    wanted = (
        func.unnest(bindparam("codes", list(codes), type_=ARRAY(String)))
        .table_valued("code", with_ordinality="ord")
        .render_derived(name="wanted", with_types=False)
    )
    partner_id = partner_id_of(partner) if partner is not None else None
    scope = true() if partner_id is None else financed_by(partner_id, Customer.id, today=today)
    matched = and_(Customer.credit_code == wanted.c.code, Customer.rated_at.is_not(None), scope)
    known = literal(True) if partner_id is None else partner_id.is_not(None)
    return (
        select(wanted.c.code, known.label("partner_known"), *DISCLOSED)
        .select_from(wanted)
        .outerjoin(Customer, matched)
        .order_by(wanted.c.ord)
    )
