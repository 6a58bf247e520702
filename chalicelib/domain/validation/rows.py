"""What validation accepts: indicator rows and registry rows, and the key columns."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from chalicelib.domain.records import Master

KEY_COLUMNS: Final = ("credit_code", "period")
MASTER_COLUMNS: Final = ("credit_code", "name", "established_on", "region_code", "industry_code")
ZONE_COLUMN: Final = "zone"  # the registry's optional 所属园区 (contract 14): a zone id, name or former name
ZONE_COLUMN_ZH: Final = "所属园区"


@dataclass(frozen=True, slots=True)
class FactRow:
    """An accepted indicator row: only the cells sent (an empty cell is not sent)."""

    row: int
    credit_code: str
    period: int
    values: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class MasterRow:
    """An accepted registry row; the service fills the master's batch_id and received_at."""

    row: int
    master: Master
    zone: str | None = None  # the optional zone column 所属园区 as sent (contract 14), resolved by ingest


Record = FactRow | MasterRow
