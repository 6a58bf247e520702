"""Indicator statistics by zone type and level (contract 14's `zone_type=`, `zone_level=` on
`/statistics/indicators`): which groups a build keeps and which group a reader's filters name."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from chalicelib.domain.reports.indicators import ALL_STAGES, IndicatorStats
from chalicelib.domain.reports.inputs import CardFacts, IndicatorFigure
from chalicelib.domain.zones.catalogue import shipped
from chalicelib.domain.zones.reports import (
    NO_GROUP,
    kind_stats_region,
    statistics_group,
    zone_statistics,
    zone_stats_region,
)


def card(code: str, region: str, zone: str | None, value: int) -> CardFacts:
    figures = (IndicatorFigure("rd_expense", D(value), False),)
    return CardFacts(code, region, "growth", "B", D(600), True, D("0.5"), (D(0),) * 5, figures, zone_id=zone)


# NC-HTZ: hitech, national, 南昌; XL-ETZ: econ, national, 南昌; GZ-HTZ: hitech, national, 赣州
CARDS = [
    card("A", "360111", "NC-HTZ", 10),
    card("B", "360121", "XL-ETZ", 20),
    card("C", "360702", "GZ-HTZ", 30),
    card("D", "360102", None, 40),
]


def present(groups: dict[tuple[str, str], dict[str, IndicatorStats]], group: str) -> list[D | None]:
    stats = groups[(group, ALL_STAGES)]["rd_expense"]
    return [stats.min, stats.max, D(stats.present)]


def test_a_build_keeps_each_zone_type_and_level_alone_and_together_over_the_province_and_cities() -> None:
    groups = zone_statistics(CARDS, shipped(), ["rd_expense"])
    assert present(groups, kind_stats_region("hitech", None, "36")) == [D(10), D(30), D(2)]
    assert present(groups, kind_stats_region("hitech", None, "3601")) == [D(10), D(10), D(1)]
    assert present(groups, kind_stats_region(None, "national", "36")) == [D(10), D(30), D(3)]
    assert present(groups, kind_stats_region("econ", "national", "3601")) == [D(20), D(20), D(1)]
    assert present(groups, zone_stats_region("NC-HTZ", "36")) == [D(10), D(10), D(1)]
    kinds = {g for g, _ in groups if g.startswith("ZK:")}
    assert not any(len(g.rsplit("@", 1)[1]) > 4 for g in kinds)  # no district groups
    assert kind_stats_region("park", None, "36") not in kinds  # no card: no group written
    assert all(g.rsplit("@", 1)[1] in ("36", "3601", "3607") for g in kinds)


@pytest.mark.parametrize(
    ("region", "zone", "zone_type", "zone_level", "group"),
    [
        ("36", None, None, None, "36"),
        ("3601", None, None, None, "3601"),
        ("36", None, "hitech", None, "ZK:hitech:*@36"),
        ("3601", None, None, "provincial", "ZK:*:provincial@3601"),
        ("36", None, "econ", "national", "ZK:econ:national@36"),
        ("36", "NC-HTZ", None, None, "Z:NC-HTZ@36"),
        ("3601", "NC-HTZ", "hitech", "national", "Z:NC-HTZ@3601"),
        ("36", "NC-HTZ", "econ", None, NO_GROUP),  # 南昌高新区 is no 经开区: no card passes both
        ("36", "NC-HTZ", None, "provincial", NO_GROUP),
    ],
)
def test_a_reader_s_filters_name_one_group(
    region: str, zone: str | None, zone_type: str | None, zone_level: str | None, group: str
) -> None:
    assert statistics_group(shipped(), region, zone, zone_type, zone_level) == group
