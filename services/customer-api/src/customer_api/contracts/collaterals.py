"""Counter-guarantees (反担保) of a contract. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.audit import service as audit
from customer_api.contracts.schemas import CollateralIn, CollateralOut, ContractStatus
from customer_api.models import Collateral, Contract
from guarantee_shared.db.queries import ensure_exists, get_or_404, keyset_page
from guarantee_shared.errors import Conflict

# Collateral for a contract that is finished can never secure anything again.
_FINISHED = frozenset({ContractStatus.closed, ContractStatus.written_off})


def snapshot(collateral: Collateral) -> dict[str, Any]:
    return CollateralOut.model_validate(collateral).model_dump(mode="json")


async def add(
    session: AsyncSession,
    contract_id: uuid.UUID,
    fields: CollateralIn,
    *,
    actor: str,
    default_haircuts: Mapping[str, Decimal],
) -> Collateral:
    """Attach collateral; without a haircut the configured default for its kind applies."""
    # A share lock: a concurrent close cannot slip in between the status check and the insert.
    contract = await get_or_404(session, Contract, contract_id, for_share=True)
    if contract.status in _FINISHED:
        raise Conflict(
            f"Contract {contract.id} is {contract.status}; collateral cannot be added to it",
            contract_status=contract.status,
        )
    haircut = fields.haircut if fields.haircut is not None else default_haircuts[fields.kind]
    collateral = Collateral(
        id=uuid.uuid4(),
        contract_id=contract.id,
        kind=fields.kind.value,
        appraised_value=fields.appraised_value,
        haircut=haircut,
        appraised_on=fields.appraised_on,
        description=fields.description,
        version=1,
    )
    return await audit.insert(
        session, collateral, actor=actor, entity_type="collateral", snapshot=snapshot
    )


async def get(
    session: AsyncSession, contract_id: uuid.UUID, collateral_id: uuid.UUID
) -> Collateral:
    return await get_or_404(session, Collateral, collateral_id, contract_id=contract_id)


async def list_collaterals(
    session: AsyncSession, contract_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Sequence[Collateral], str | None]:
    """Served by the (contract_id, id) index."""
    await ensure_exists(session, Contract, contract_id)
    query = select(Collateral).where(Collateral.contract_id == contract_id)
    return await keyset_page(session, query, [Collateral.id], limit=limit, cursor=cursor)
