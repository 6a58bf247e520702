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
# GB/T 2260 county-level divisions (区、县、县级市) of each city: the report's district level names them.
DISTRICTS: Mapping[str, str] = MappingProxyType(
    {
        "360102": "东湖区",
        "360103": "西湖区",
        "360104": "青云谱区",
        "360111": "青山湖区",
        "360112": "新建区",
        "360113": "红谷滩区",
        "360121": "南昌县",
        "360123": "安义县",
        "360124": "进贤县",
        "360202": "昌江区",
        "360203": "珠山区",
        "360222": "浮梁县",
        "360281": "乐平市",
        "360302": "安源区",
        "360313": "湘东区",
        "360321": "莲花县",
        "360322": "上栗县",
        "360323": "芦溪县",
        "360402": "濂溪区",
        "360403": "浔阳区",
        "360404": "柴桑区",
        "360481": "瑞昌市",
        "360482": "共青城市",
        "360483": "庐山市",
        "360502": "渝水区",
        "360521": "分宜县",
        "360602": "月湖区",
        "360603": "余江区",
        "360681": "贵溪市",
        "360702": "章贡区",
        "360703": "南康区",
        "360704": "赣县区",
        "360781": "瑞金市",
        "360783": "龙南市",
        "360802": "吉州区",
        "360803": "青原区",
        "360881": "井冈山市",
        "360902": "袁州区",
        "360921": "奉新县",
        "360981": "丰城市",
        "360982": "樟树市",
        "360983": "高安市",
        "361002": "临川区",
        "361003": "东乡区",
        "361021": "南城县",
        "361102": "信州区",
        "361103": "广丰区",
        "361104": "广信区",
        "361181": "德兴市",
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


def districts_of(city: str) -> tuple[str, ...]:
    """The district codes of a city (4-digit code) that `DISTRICTS` names, in code order."""
    return tuple(sorted(code for code in DISTRICTS if code.startswith(city)))


def name_of(region_code: str) -> str | None:
    """The Chinese name of a city (4 digits) or district (6 digits) code, when the tables have it."""
    return CITIES.get(region_code) or DISTRICTS.get(region_code)
