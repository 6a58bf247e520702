"""Jiangxi's cities, the shards of the score indexes.

The score indexes (the scores table's GSIs) are partitioned by city, the first four digits of a
region code, so that no province-wide list sits on one hot partition key. This file is the one place
that lists the cities; a code outside the list (a new or foreign division) falls into the `other` shard.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# GB/T 2260 prefecture-level divisions of Jiangxi (江西省设区市).
CITIES: Mapping[str, str] = MappingProxyType(
    {
        "3601": "南昌市",
        "3602": "景德镇市",
        "3603": "萍乡市",
        "3604": "九江市",
        "3605": "新余市",
        "3606": "鹰潭市",
        "3607": "赣州市",
        "3608": "吉安市",
        "3609": "宜春市",
        "3610": "抚州市",
        "3611": "上饶市",
    }
)
OTHER = "other"
_SHARDS: tuple[str, ...] = (*CITIES, OTHER)


def shard_for(region_code: str | None) -> str:
    """The shard of an enterprise: its city (`3601` for `360111`), or `other`."""
    city = (region_code or "")[:4]
    return city if city in CITIES else OTHER


def all_shards() -> tuple[str, ...]:
    """Every shard, cities first in code order, `other` last."""
    return _SHARDS


def shards_for_prefix(prefix: str | None) -> tuple[str, ...]:
    """The shards that can hold a region code starting with `prefix` (all of them for a short prefix)."""
    if prefix is None or len(prefix) < 4:
        return _SHARDS
    return (shard_for(prefix),)


# The partition keys of the score indexes (see chalicelib/stores/tables.py): rescoring writes them,
# the API queries them, both through these two functions.
def period_partition(period: int, shard: str) -> str:
    """`by_period` and `by_whitelist`: "<period>#<shard>"."""
    return f"{period}#{shard}"


def stage_partition(period: int, stage: str, shard: str) -> str:
    """`by_stage`: "<period>#<stage>#<shard>"."""
    return f"{period}#{stage}#{shard}"
