"""The two enterprises that sign in themselves on the local stack (contract 16, 19.1).

Their credit codes are fixed, so `.local/stack.json` names them (`enterprise_keys`) with or without
sample data (`SEED=0`); the sample province (`scripts/sample_data.py`) gives these codes to two of its
enterprises: a strong one (whitelisted) and a middling one.
"""

from __future__ import annotations

from typing import Final

from chalicelib.domain.creditcode import complete

WHITELISTED: Final = complete("91360102MA3EN0001")  # 南昌市东湖区, a strong growth enterprise
MIDDLING: Final = complete("91360702MA3EN0002")  # 赣州市章贡区, below the whitelist line
CODES: Final = (WHITELISTED, MIDDLING)
# the province's enterprise index each takes over, its region and its strength (scripts/sample_data.py)
PROFILES: Final[dict[int, tuple[str, str, float]]] = {
    11: (WHITELISTED, "360102", 0.97),
    12: (MIDDLING, "360702", 0.45),
}
