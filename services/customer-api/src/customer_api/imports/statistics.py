"""Fresh planner statistics for the tables an import's key look-ups read, while it grows them.

A first import grows ``customers`` (and the other record tables) from a few rows to many
thousands within one job. Until the table is analysed again the planner keeps costing the batch
look-ups (``credit_code IN (...)`` over 500 keys, the read-back of a group by id) for the
small table it last saw and scans the whole table instead of using the unique index. With the
keys sent as parameters that scan compares every row with every key, so each batch cost time in
proportion to the rows already imported: measured on 100,000 new customers, the look-up took
~380 ms per batch at 35,000 rows and the import slowed from ~3,000 to ~500 rows/s. Autovacuum's
own analyze comes a minute or more late, or never where it is switched off.

So, as PostgreSQL advises for bulk loads, the runner runs ANALYZE on those tables whenever the
import has written as many rows as they held when last analysed: a handful of times per import
(the table doubles each time), each one a sample of at most a few tens of thousands of rows.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from customer_api.imports.columns import ImportKind
from customer_api.models import Base, Contract, Customer, FinancialStatement

# Below this many rows written a table's estimate hardly matters to a 500-key look-up.
MIN_ROWS = 2_000

# The tables each kind's batch planning and group read-backs query, the one it writes last.
LOOKED_UP: dict[ImportKind, tuple[type[Base], ...]] = {
    ImportKind.customers: (Customer,),
    ImportKind.financial_statements: (Customer, FinancialStatement),
    ImportKind.contracts: (Customer, Contract),
}


def _name(model: type[Base]) -> str:
    return f"{Base.metadata.schema}.{model.__tablename__}"


class Statistics:
    """Decides, after each committed batch, whether the looked-up tables are analysed again."""

    def __init__(self) -> None:
        self._written = 0
        # Rows the tables held at their last ANALYZE, by the planner's own estimate; read once.
        self._baseline: int | None = None

    async def after_batch(self, session: AsyncSession, kind: ImportKind, rows: int) -> bool:
        """Count the batch's rows; ANALYZE the kind's tables if they have grown enough.

        Runs in the session's current transaction. In a dry run the statistics roll back with
        its writes, except the row and page counts PostgreSQL updates in place; those match the
        pages the rolled-back rows still take up until the next vacuum, so plans stay sound.
        """
        models = LOOKED_UP.get(kind)
        if not models:
            return False
        self._written += rows
        if self._baseline is None:
            self._baseline = await _estimated_rows(session, _name(models[-1]))
        if self._written < max(MIN_ROWS, self._baseline):
            return False
        for model in models:
            # Identifiers from the models, never from input.
            await session.execute(text(f"ANALYZE {_name(model)}"))
        self._baseline += self._written
        self._written = 0
        return True


async def _estimated_rows(session: AsyncSession, name: str) -> int:
    query = text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)").bindparams(
        bindparam("name", name)
    )
    # -1 for a table never analysed yet.
    estimate = await session.scalar(query)
    return max(int(estimate or 0), 0)
