"""A deterministic sample province: every department's files for a run of years, as departments send them.

Used by the local stack (`make run` uploads the files through S3), by benchmarks and by tests. The same
arguments give byte-identical files: every random choice comes from a `random.Random` seeded from the
arguments, nothing reads the clock, and XLSX archives are rebuilt with fixed timestamps.

Headers and each department's indicator list come from the scoring model (`columns`, `name_zh`,
`owned_by`). What this module knows is what some indicators *mean* (revenue, R&D, patents, ...), so that
one enterprise's numbers hang together across departments and years; an indicator it does not know
still gets plausible values from its type.

How the province is built, so that the mix is right without scoring anything here:
- each enterprise draws a target stage for the last year and gets an establishment date and a revenue
  that put it there (stage rule of CONTRACT.md section 3); three "anchor" enterprises keep one stage in
  every year, and the first eleven cover the eleven cities, so small samples still show everything;
- an innovation strength in [0, 1] (a Beta draw, per stage) drives R&D intensity, growth, patents,
  talent, platforms and the characteristic flags together; its upper tail is built to land above the
  whitelist threshold: about 17 % of the last year's enterprises, fewer (7-9 %) in the first year,
  which has no earlier year to derive growth indicators from (checked once against the scoring
  engine while tuning; nothing here or in the tests scores);
- negative flags are rare; enterprise no. 3 is strong but a dishonest debtor (a veto) in the last year.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from chalicelib.domain import regions
from chalicelib.domain.creditcode import ALPHABET, complete
from chalicelib.domain.model.schema import IndicatorDef, ScoringModel, Stage, load_model
from chalicelib.domain.validation.rows import ZONE_COLUMN_ZH
from scripts.sample_enterprises import CODES as SIGN_IN_CODES
from scripts.sample_enterprises import PROFILES as SIGN_IN
from scripts.sample_zones import registry_cell, write_rolls

DEFAULT_MODEL_VERSION = "jx-2025.1-provisional"

Format = Literal["csv", "xlsx", "jsonl"]
# A cell before rendering: None = not sent; str = written verbatim (also how faults are planted).
Value = bool | int | float | str | date | None


@dataclass(frozen=True)
class SampleFile:
    """One generated file and where a department would upload it."""

    department: str
    path: Path
    key: str  # the S3 key: incoming/<department>/<file name>
    format: Format
    rows: int  # data rows (header excluded; for JSON Lines, lines)
    invalid_rows: int  # rows that validation must reject (both copies of a duplicated row count)
    period: int  # the year the file is about
    encoding: str | None = None  # CSV only


# --- the province ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _City:
    name: str  # as a company name begins: 南昌, not 南昌市
    districts: tuple[str, ...]  # region codes, the city's central district first
    weight: int  # share of the province's enterprises
    specialty: str  # the industry division the city is known for


# (share of the province's enterprises, the industry division the city is known for); the names and
# districts are `chalicelib.domain.regions`'
_PROFILES: dict[str, tuple[int, str]] = {
    **{"3601": (24, "I65"), "3602": (4, "C30"), "3603": (4, "C30"), "3604": (11, "C26")},
    **{"3605": (4, "C38"), "3606": (4, "C32"), "3607": (14, "C32"), "3608": (8, "C39")},
    **{"3609": (10, "C38"), "3610": (6, "C36"), "3611": (11, "C38")},
}
CITIES: tuple[_City, ...] = tuple(
    _City(regions.CITIES[code].removesuffix("市"), regions.districts_of(code), weight, specialty)
    for code, (weight, specialty) in _PROFILES.items()
)


@dataclass(frozen=True)
class _Industry:
    division: str  # GB/T 4754-2017 division, e.g. C39
    classes: tuple[str, ...]  # four-digit classes used for some enterprises
    words: tuple[str, ...]  # what such a company calls itself
    weight: int
    priority_chain: bool  # part of a provincial priority industry chain (省重点产业链)


INDUSTRIES: tuple[_Industry, ...] = (
    _Industry("C39", ("C3911", "C3973", "C3976"), ("电子科技", "光电科技", "半导体", "智能科技"), 15, True),
    _Industry("C38", ("C3841", "C3825"), ("新能源科技", "锂电科技", "电气", "光伏科技"), 12, True),
    _Industry("C26", ("C2614",), ("化工", "新材料", "化学"), 8, False),
    _Industry("C27", ("C2710", "C2740", "C2761"), ("药业", "生物医药", "制药", "生物科技"), 9, True),
    _Industry("C32", ("C3211", "C3232"), ("铜业", "稀土新材料", "有色金属", "钨业"), 8, True),
    _Industry("C34", (), ("机械", "装备制造", "精密机械"), 10, False),
    _Industry("C36", ("C3670",), ("汽车零部件", "汽车配件"), 7, True),
    _Industry("C30", ("C3074", "C3073"), ("陶瓷", "瓷业", "特种陶瓷"), 5, False),
    _Industry("I65", ("I6513", "I6511"), ("软件", "信息技术", "网络科技", "数据科技"), 14, False),
    _Industry("M73", ("M7320", "M7340"), ("技术研究", "检测技术", "科技发展"), 7, False),
)

# Characters for invented trade names (字号); two are drawn per name.
_TRADE_CHARS = (
    "华鑫联创恒瑞德泰兴博睿晶昌赣洪明达新盛宏卓远科诚信海天金源合正安凯嘉荣汇美佳立航智锐领捷亿腾峰宇"
    "光辉欣灵通思普拓展盈丰旭昊晟融和润康益鸿骏豪铭嘉汉景瀚邦"
)
_STAGES: tuple[Stage, ...] = ("startup", "growth", "mature")
# Scale of counts per stage: what "many patents" means for a startup and for a mature enterprise.
_SCALE: Mapping[Stage, float] = {"startup": 1.2, "growth": 3.0, "mature": 6.5}
# Innovation strength (Beta parameters) per stage. Large established firms score well on amounts alone,
# so theirs is drawn a little lower; the upper tails are what lands on the whitelist.
_STRENGTH: Mapping[Stage, tuple[float, float]] = {
    "startup": (2.6, 3.3),
    "growth": (2.4, 3.4),
    "mature": (2.0, 3.8),
}


@dataclass
class _Enterprise:
    index: int
    credit_code: str
    name: str
    established_on: date
    region_code: str
    industry_code: str
    strength: float
    stage: Stage  # the stage aimed at for the last year
    anchor: bool  # never given a fault, so its stage shows in every year
    values: dict[int, dict[str, Value]] = field(default_factory=dict)  # year -> indicator -> value


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _clip(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


T = TypeVar("T")


def _weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights=weights, k=1)[0]


def _org_code(rng: random.Random, established_on: date) -> str:
    """The nine-character organisation code inside a credit code.

    Before the credit-code reform (October 2015) it was the old GB 11714 code, eight digits and a
    check character; since then registries hand out `MA…` codes.
    """
    if established_on >= date(2015, 10, 1):
        return "MA3" + "".join(rng.choice(ALPHABET) for _ in range(6))
    digits = [rng.randrange(10) for _ in range(8)]
    c9 = 11 - sum(d * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "".join(map(str, digits)) + {10: "X", 11: "0"}.get(c9, str(c9))


def _stage_profile(rng: random.Random, stage: Stage, first: int, last: int) -> tuple[int, float]:
    """An establishment year and a last-year revenue (万元) that give `stage` in `last`."""
    if stage == "startup":
        if rng.random() < 0.55:  # young: any revenue
            return rng.randint(max(first, last - 2), last), _clip(_lognormal(rng, 260, 0.9), 8, 3000)
        return rng.randint(last - 12, last - 3), _clip(_lognormal(rng, 220, 0.6), 8, 470)
    if stage == "growth":
        return rng.randint(last - 16, last - 3), _clip(_lognormal(rng, 2600, 1.0), 560, 19000)
    return rng.randint(last - 30, last - 8), _clip(_lognormal(rng, 52000, 0.8), 21000, 3_000_000)


def _province(rng: random.Random, n: int, first: int, last: int) -> list[_Enterprise]:
    codes: set[str] = set()
    names: set[str] = set()
    out: list[_Enterprise] = []
    for i in range(n):
        city = CITIES[i] if i < len(CITIES) else _weighted(rng, CITIES, [c.weight for c in CITIES])
        region = city.districts[0] if rng.random() < 0.5 else rng.choice(city.districts)
        industry = _weighted(
            rng, INDUSTRIES, [ind.weight * (3 if ind.division == city.specialty else 1) for ind in INDUSTRIES]
        )
        # Anchors keep their stage in every year: a startup founded in the first year with small
        # revenue, a growth enterprise with mid revenue, a long-established large one.
        anchor = i < 3
        if anchor:
            stage: Stage = _STAGES[i]
            year, revenue = {
                "startup": (first, 300.0),
                "growth": (first - 5, 3000.0),
                "mature": (first - 12, 80000.0),
            }[stage]
            revenue *= rng.uniform(0.85, 1.15)
            strength = 0.5
        else:
            stage = _weighted(rng, _STAGES, (32, 48, 20))
            year, revenue = _stage_profile(rng, stage, first, last)
            strength = rng.betavariate(*_STRENGTH[stage])
        if i == 3:
            strength = 0.9  # the strong enterprise that a veto keeps off the whitelist
        fixed = SIGN_IN.get(i)  # an enterprise that signs in itself: its code is fixed (contract 19.1)
        if fixed is not None:
            city = next(c for c in CITIES if fixed[1] in c.districts)
            region, strength, stage = fixed[1], fixed[2], "growth"
            year, revenue = first - 5, 6000.0 * rng.uniform(0.9, 1.1)
        last_month = 9 if year == last else 12
        established = date(year, rng.randint(1, last_month), rng.randint(1, 28))
        while fixed is None:
            first17 = "91" + region + _org_code(rng, established)
            code = complete(first17)
            if code not in codes and code not in SIGN_IN_CODES:
                codes.add(code)
                break
        else:
            code = fixed[0]
            codes.add(code)
        for attempt in range(1_000_000):
            suffix = "股份有限公司" if stage == "mature" and rng.random() < 0.4 else "有限公司"
            trade = "".join(rng.sample(_TRADE_CHARS, 2 if attempt < 20 else 3))
            name = f"{city.name}{trade}{rng.choice(industry.words)}{suffix}"
            if name not in names:
                names.add(name)
                break
        roll = rng.random()
        industry_code = (
            industry.division[0]
            if roll < 0.02
            else rng.choice(industry.classes)
            if industry.classes and roll < 0.4
            else industry.division
        )
        kept = anchor or fixed is not None  # no planted fault: the signed-in enterprises stay as described
        ent = _Enterprise(i, code, name, established, region, industry_code, strength, stage, kept)
        _fill_values(rng, ent, industry, revenue, first, last)
        out.append(ent)
    return out


def _fill_values(
    rng: random.Random, ent: _Enterprise, industry: _Industry, revenue: float, first: int, last: int
) -> None:
    """Every known indicator for every year the enterprise existed, coherent across years."""
    s = ent.strength
    scale = _SCALE[ent.stage]
    trend = 0.05 if ent.anchor else -0.12 + 0.65 * s + rng.gauss(0, 0.08)  # yearly revenue growth
    intensity = 0.0 if s < 0.12 and rng.random() < 0.5 else (0.3 + 13.0 * s**1.5) * rng.uniform(0.7, 1.3)
    margin = -0.04 + 0.16 * s + rng.gauss(0, 0.05)
    tax_rate = rng.uniform(0.02, 0.07)
    per_employee = _lognormal(rng, 70, 0.35)  # revenue per insured employee, 万元
    staff_share = _clip((0.02 + 0.4 * s) * rng.uniform(0.6, 1.4), 0.0, 0.8)
    hi_tech_share = _clip(100 * s * rng.uniform(0.8, 1.5), 0.0, 98.0) if s > 0.2 else None
    patents = round(scale * 9 * s**2 * rng.uniform(0.5, 1.5))
    other_ip = round(scale * 14 * s * rng.uniform(0.4, 1.4))
    standards = round((1 + scale / 3) * 3 * s**2 * rng.uniform(0.3, 1.3)) if s > 0.35 else 0
    platforms = (1 + (rng.random() < 0.4 and ent.stage == "mature")) if rng.random() < 2 * s - 0.8 else 0
    awards = round(4 * s**2 * rng.uniform(0.4, 1.4)) if s > 0.4 else 0
    talent = round(scale * 1.5 * s**2 * rng.uniform(0.3, 1.5))
    high_tech = rng.random() < _clip(1.3 * s**1.5, 0.0, 0.95)
    gazelle = ent.stage != "mature" and s > 0.65 and trend > 0.2 and rng.random() < 0.4
    srdi = rng.random() < (0.6 if s > 0.6 and ent.stage != "mature" else 0.12 * s)
    priority = rng.random() < (0.55 if industry.priority_chain else 0.08)
    iu_projects = rng.randint(0, 3) if s > 0.5 else 0
    manufacturing = ent.industry_code.startswith("C")

    def flag(is_set: bool, sent_share: float) -> bool | None:
        """A flag that is set is always sent; an unset one only sometimes (empty cell = not sent)."""
        return True if is_set else (False if rng.random() < sent_share else None)

    def rare(p: float) -> bool:
        return not ent.anchor and rng.random() < p

    years = [y for y in range(last, first - 1, -1) if y >= ent.established_on.year]
    rev = revenue
    for y in years:
        if y != last:  # walk back from the last year
            rev /= 1 + (trend if ent.anchor else _clip(trend + rng.gauss(0, 0.06), -0.5, 2.0))
            patents = max(0, patents - round(patents * rng.uniform(0.0, 0.3)))
            other_ip = max(0, other_ip - round(other_ip * rng.uniform(0.0, 0.3)))
        active = rev
        if y == ent.established_on.year:  # a founding year counts only the months open
            active = rev * max(0.1, (12 - ent.established_on.month + 1) / 12)
        employees = max(3, round(active / per_employee * rng.uniform(0.9, 1.1)))
        if s > 0.6:
            employees = max(employees, 8)
        rd = round(active * intensity / 100 * rng.uniform(0.9, 1.1), 2) if intensity else None
        values: dict[str, Value] = {
            "operating_revenue": round(active, 2),
            "rd_expense": rd,
            "net_profit": round(active * (margin + rng.gauss(0, 0.02)), 2),
            "tax_paid": round(active * tax_rate, 2),
            "tax_credit_d": flag(rare(0.01 + 0.02 * (s < 0.2)), 0.4),
            "invention_patents": patents if patents or rng.random() < 0.5 else None,
            "other_ip": other_ip,
            "standards_led": standards if standards or rng.random() < 0.3 else None,
            "admin_penalties": rng.randint(1, 3) if rare(0.05) else (0 if rng.random() < 0.3 else None),
            "abnormal_operation": flag(rare(0.02), 0.3),
            "rd_staff": min(employees, round(employees * staff_share)) if rd is not None else None,
            "tech_contract_turnover": (
                round(active * 0.04 * s**2 * rng.uniform(0.3, 1.7), 2)
                if s > 0.3 or rng.random() < 0.1
                else None
            ),
            "rd_platforms": platforms if platforms or rng.random() < 0.4 else None,
            "high_tech_revenue_ratio": (
                round(_clip(hi_tech_share * rng.uniform(0.95, 1.05), 0.0, 99.0), 2)
                if hi_tech_share is not None
                else None
            ),
            "awards_projects": awards if awards or rng.random() < 0.3 else None,
            "high_tech_enterprise": flag(high_tech and (y == last or rng.random() < 0.85), 0.5),
            "gazelle_unicorn": flag(gazelle, 0.3),
            "industry_university_projects": iu_projects if iu_projects else None,
            "research_misconduct": flag(rare(0.002), 0.3),
            "employees": employees,
            "high_level_talent": talent if talent or rng.random() < 0.4 else None,
            "srdi_enterprise": flag(srdi, 0.4),
            "priority_industry": flag(priority, 0.5),
            "equity_financing": (
                round(_lognormal(rng, 300 + 0.05 * active, 0.8), 2)
                if rng.random() < 0.03 + 0.3 * s * (ent.stage != "mature")
                else None
            ),
            "dishonest_debtor": flag(rare(0.003 + 0.01 * (s < 0.2)) or (ent.index == 3 and y == last), 0.6),
            "major_safety_accident": flag(manufacturing and rare(0.004), 0.5) if manufacturing else None,
        }
        ent.values[y] = values


def _generic(rng: random.Random, ind: IndicatorDef) -> Value:
    """A value for an indicator this module knows nothing about (a later model version's)."""
    if ind.type == "flag":
        return rng.random() < 0.05 if rng.random() < 0.6 else None
    if ind.type == "count":
        return rng.randint(0, 5)
    if ind.type == "share":
        return round(rng.uniform(0, 100), 2)
    return round(_lognormal(rng, 200, 1.0), 2)


# --- how each department writes its files ---------------------------------------------------------
HeaderStyle = Literal["zh", "id", "mixed"]


@dataclass(frozen=True)
class _Style:
    file_name: str  # `{year}` is filled in
    format: Format
    encoding: str | None = None
    headers: HeaderStyle = "zh"  # mixed: each column (each JSON key) by id or Chinese name at random
    flags: tuple[object, object] = ("1", "0")  # how a set and an unset flag are written
    thousands: float = 0.0  # share of rows whose amounts carry thousands separators
    period_suffix: float = 0.0  # share of rows whose period reads 2025年
    fullwidth: float = 0.0  # share of rows whose counts use full-width digits
    lowercase_codes: float = 0.0  # share of rows whose credit code is lower-cased
    percent_sign: float = 0.0  # share of rows whose shares end in %


_STYLES: Mapping[str, _Style] = {
    "registry": _Style("{year}年度企业登记信息.csv", "csv", "gb18030"),
    "tax": _Style(
        "{year}年度税务数据.csv", "csv", "gb18030", flags=("是", "否"), thousands=0.3, period_suffix=0.1
    ),
    "amr": _Style("{year}年度知识产权与市场监管数据.xlsx", "xlsx", headers="mixed", flags=(1, 0)),
    "sci": _Style(
        "{year}年度科技创新数据.jsonl", "jsonl", headers="mixed", flags=(True, False), percent_sign=0.05
    ),
    "hrss": _Style("{year}年度社保参保数据.csv", "csv", "utf-8", "id", fullwidth=0.03, lowercase_codes=0.03),
    "miit": _Style("{year}年度专精特新及重点产业链企业.csv", "csv", "utf-8-sig", flags=("Y", "N")),
    "finance": _Style("{year}年度股权融资情况.xlsx", "xlsx"),
    "credit": _Style("{year}年度失信主体名单.csv", "csv", "gb18030", flags=("是", "否")),
    "emergency": _Style("{year}年度安全生产事故企业.jsonl", "jsonl", headers="id", flags=(1, 0)),
    "stats": _Style("{year}年 统计年报 主要指标.xlsx", "xlsx"),
}
_NEW_REGISTRATIONS = _Style("{year}年新设立企业名录.xlsx", "xlsx")
_DEFAULT_STYLE = _Style("{year}年度{name}数据.csv", "csv", "utf-8", "id")
# Statistics bureaus survey enterprises above a revenue threshold (规模以上, 2000 万元).
_STATS_MIN_REVENUE = 2000.0


# --- faults planted on purpose ------------------------------------------------------------------------
class Fault(StrEnum):
    CHECKSUM = "bad check character"
    PERIOD = "bad period"
    NEGATIVE = "negative count or amount"
    OVER_100 = "share over 100"
    FLAG = "bad flag"
    DUPLICATE = "duplicate row"
    DATE = "impossible date"
    REGION = "region outside Jiangxi"


@dataclass
class _Table:
    """A file's logical content: columns by id, rows of values keyed by column id."""

    columns: list[str]
    rows: list[dict[str, Value]]
    protected: set[int] = field(default_factory=set)  # row indexes that must stay valid (anchors)
    invalid: int = 0


def _plant_faults(rng: random.Random, table: _Table, model: ScoringModel, share: float, master: bool) -> None:
    n = len(table.rows)
    if share <= 0 or n == 0:
        return
    target = max(1, round(n * share))
    kinds = [Fault.CHECKSUM, Fault.DUPLICATE]
    kinds += [Fault.DATE, Fault.REGION] if master else [Fault.PERIOD]
    by_kind: dict[Fault, list[str]] = {}
    if not master:
        inds = [model.indicator(c) for c in table.columns if c not in ("credit_code", "period")]
        negatable = [i.id for i in inds if i.type == "count" or (i.type == "amount" and not i.allow_negative)]
        by_kind = {
            Fault.NEGATIVE: negatable,
            Fault.OVER_100: [i.id for i in inds if i.type == "share"],
            Fault.FLAG: [i.id for i in inds if i.type == "flag"],
        }
        kinds += [k for k, cols in by_kind.items() if cols]
    candidates = [i for i in range(n) if i not in table.protected]
    rng.shuffle(candidates)
    rng.shuffle(kinds)
    duplicates: list[int] = []
    turn = 0
    while table.invalid < target and candidates:
        kind = kinds[turn % len(kinds)]
        turn += 1
        if kind == Fault.DUPLICATE and target - table.invalid < 2:
            continue  # a duplicate makes two invalid rows: one too many here
        index = candidates.pop()
        row = table.rows[index]
        if kind == Fault.CHECKSUM:
            code = str(row["credit_code"])
            row["credit_code"] = code[:17] + rng.choice(ALPHABET.replace(code[17], ""))
        elif kind == Fault.PERIOD:
            row["period"] = "20x5"
        elif kind == Fault.DATE:
            row["established_on"] = f"{rng.randint(2000, 2020)}年2月30日"
        elif kind == Fault.REGION:
            row["region_code"] = rng.choice(("440106", "110105", "3601", "361199x"))
        elif kind == Fault.DUPLICATE:
            duplicates.append(index)
        else:
            col = rng.choice(by_kind[kind])
            ind = model.indicator(col)
            if kind == Fault.FLAG:
                row[col] = "maybe"
            elif kind == Fault.OVER_100:
                row[col] = round(rng.uniform(100.5, 180.0), 2)
            else:
                row[col] = -rng.randint(1, 5) if ind.type == "count" else -round(rng.uniform(1, 500), 2)
        table.invalid += 2 if kind == Fault.DUPLICATE else 1
    # Copies go in last-first so that earlier insertion points stay where they were.
    for index in sorted(duplicates, reverse=True):
        copy = dict(table.rows[index])
        table.rows.insert(rng.randint(index + 1, len(table.rows)), copy)


# --- rendering ---------------------------------------------------------------------------------------
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _date_text(rng: random.Random, d: date) -> str:
    roll = rng.random()
    if roll < 0.45:
        return f"{d.year}年{d.month}月{d.day}日"
    if roll < 0.9:
        return d.isoformat()
    return f"{d.year}/{d.month:02d}/{d.day:02d}"


class _Quirks(NamedTuple):
    """How one row of a CSV export happens to be written."""

    thousands: bool
    period_suffix: bool
    fullwidth: bool
    lowercase_code: bool
    percent_sign: bool


class _Renderer:
    """Turns a value into what a department's export would show, per row quirks included."""

    def __init__(self, model: ScoringModel, style: _Style, rng: random.Random) -> None:
        self.style = style
        self.rng = rng
        self.types = {i.id: i.type for i in model.indicators}

    def row_quirks(self) -> _Quirks:
        st, r = self.style, self.rng
        return _Quirks(
            r.random() < st.thousands,
            r.random() < st.period_suffix,
            r.random() < st.fullwidth,
            r.random() < st.lowercase_codes,
            r.random() < st.percent_sign,
        )

    def text(self, column: str, value: Value, quirks: _Quirks) -> str:
        """The cell as text (CSV)."""
        thousands, suffix, fullwidth, lower, percent = quirks
        if value is None:
            return ""
        if isinstance(value, str):
            if column == "credit_code" and lower:
                return value.lower()
            return value
        if isinstance(value, bool):
            return str(self.style.flags[0 if value else 1])
        if isinstance(value, date):
            return _date_text(self.rng, value)
        if column == "period":
            return f"{value}年" if suffix else str(value)
        kind = self.types.get(column)
        if isinstance(value, int) and kind != "amount":
            return str(value).translate(_FULLWIDTH) if fullwidth else str(value)
        if kind == "share" and percent:
            return f"{value:.2f}%"
        return f"{value:,.2f}" if thousands else f"{value:.2f}"

    def json_value(self, column: str, value: Value, percent: bool) -> object:
        if isinstance(value, bool):
            return self.style.flags[0 if value else 1]
        if isinstance(value, float) and self.types.get(column) == "share" and percent:
            return f"{value:.2f}%"
        if isinstance(value, date):
            return value.isoformat()
        return value

    def cell(self, value: Value) -> object:
        if isinstance(value, bool):
            return self.style.flags[0 if value else 1]
        return value


def _header_names(model: ScoringModel, columns: Sequence[str]) -> dict[str, str]:
    names = {c.id: c.name_zh for c in model.columns}
    names.update({i.id: i.name_zh for i in model.indicators})
    names.setdefault("zone", ZONE_COLUMN_ZH)
    return {c: names[c] for c in columns}


def _headers(model: ScoringModel, style: _Style, columns: Sequence[str], rng: random.Random) -> list[str]:
    zh = _header_names(model, columns)
    if style.headers == "id":
        return list(columns)
    if style.headers == "zh":
        return [zh[c] for c in columns]
    return [zh[c] if rng.random() < 0.5 else c for c in columns]


def _write_csv(path: Path, model: ScoringModel, style: _Style, table: _Table, rng: random.Random) -> None:
    render = _Renderer(model, style, rng)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # as Excel exports it
    writer.writerow(_headers(model, style, table.columns, rng))
    for row in table.rows:
        quirks = render.row_quirks()
        writer.writerow([render.text(c, row.get(c), quirks) for c in table.columns])
    assert style.encoding is not None
    path.write_bytes(buf.getvalue().encode(style.encoding))


def _write_jsonl(path: Path, model: ScoringModel, style: _Style, table: _Table, rng: random.Random) -> None:
    render = _Renderer(model, style, rng)
    zh = _header_names(model, table.columns)
    lines = []
    for row in table.rows:
        percent = rng.random() < style.percent_sign
        obj: dict[str, object] = {}
        for c in table.columns:
            value = row.get(c)
            if value is None:
                if rng.random() < 0.2:
                    obj[c] = None  # null and a missing key both mean "not sent"
                continue
            key = zh[c] if style.headers == "zh" or (style.headers == "mixed" and rng.random() < 0.5) else c
            obj[key] = render.json_value(c, value, percent)
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    path.write_text("".join(lines), encoding="utf-8")


# Fixed zip entry time and document times: openpyxl stamps both with the clock.
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
_DOC_TIME = "2025-01-01T00:00:00Z"
_DOC_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _write_xlsx(path: Path, model: ScoringModel, style: _Style, table: _Table, rng: random.Random) -> None:
    render = _Renderer(model, style, rng)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(_headers(model, style, table.columns, rng))
    for row in table.rows:
        cells: list[object] = []
        for c in table.columns:
            value = render.cell(row.get(c))
            if isinstance(value, date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "yyyy-mm-dd"  # a real date cell, shown as a date
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    raw = io.BytesIO()
    wb.save(raw)
    # Rebuild the archive with fixed times so that the same content gives the same bytes.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _DOC_TIMES.sub(rb"\g<1>" + _DOC_TIME.encode() + rb"\g<2>", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


_WRITERS: Mapping[Format, Callable[[Path, ScoringModel, _Style, _Table, random.Random], None]] = {
    "csv": _write_csv,
    "jsonl": _write_jsonl,
    "xlsx": _write_xlsx,
}

MASTER_COLUMNS = ("credit_code", "name", "established_on", "region_code", "industry_code")


def _master_table(ents: Iterable[_Enterprise]) -> _Table:
    table = _Table([*MASTER_COLUMNS, "zone"], [])  # zone: the optional 所属园区 (scripts/sample_zones.py)
    for e in ents:
        if e.anchor:
            table.protected.add(len(table.rows))
        table.rows.append(
            {
                "credit_code": e.credit_code,
                "name": e.name,
                "established_on": e.established_on,
                "region_code": e.region_code,
                "industry_code": e.industry_code,
                "zone": registry_cell(e.credit_code, e.region_code),
            }
        )
    return table


def _indicator_table(
    rng: random.Random, model: ScoringModel, department: str, ents: Iterable[_Enterprise], year: int
) -> _Table:
    owned = model.owned_by(department)
    dept = model.department(department)
    cross_check = dept is not None and dept.cross_check_only
    table = _Table(["credit_code", "period", *(i.id for i in owned)], [])
    for e in ents:
        values = e.values.get(year)
        if values is None:
            continue  # not yet established: no department has anything on it
        if cross_check:
            revenue = values.get(model.stage_rule.revenue_indicator)
            if not isinstance(revenue, float) or revenue < _STATS_MIN_REVENUE:
                continue
        row: dict[str, Value] = {"credit_code": e.credit_code, "period": year}
        for ind in owned:
            value = values[ind.id] if ind.id in values else _generic(rng, ind)
            row[ind.id] = value
        if all(row[i.id] is None for i in owned):
            continue
        if e.anchor:
            table.protected.add(len(table.rows))
        table.rows.append(row)
    if cross_check:
        _plant_discrepancies(rng, table, [i.id for i in owned])
    return table


def _plant_discrepancies(rng: random.Random, table: _Table, columns: Sequence[str]) -> None:
    """Make about 4 % of survey rows differ from the scored source by 25 % or more.

    An anchor's row is always one of them (anchors get no fault in any file, so its scored value stays
    too), which lets a small sample show a discrepancy; the others are kept clear of faults as well.
    """
    others = [i for i in range(len(table.rows)) if i not in table.protected]
    chosen = sorted(table.protected)[:1] + rng.sample(others, min(len(others), round(0.04 * len(others))))
    for index in chosen:
        table.protected.add(index)
        row = table.rows[index]
        sent = [c for c in columns if isinstance(v := row[c], float) and v >= 10]  # rounding keeps the gap
        for c in rng.sample(sent, rng.randint(1, len(sent))) if sent else []:
            value = row[c]
            assert isinstance(value, float)
            row[c] = round(value * rng.choice((rng.uniform(0.4, 0.75), rng.uniform(1.3, 1.8))), 2)


def generate(
    out_dir: Path,
    *,
    enterprises: int = 2000,
    seed: int = 20251,
    years: tuple[int, int] = (2024, 2025),
    invalid_share: float = 0.01,
    model_version: str = DEFAULT_MODEL_VERSION,
    zone_rolls: bool = False,
) -> list[SampleFile]:
    """Write a sample province under `out_dir` (one folder per department) and list the files.

    `years` is the first and last year, both included. The list is in upload order: master data
    first, then each year's indicator files. `invalid_share` is the share of rows made invalid on
    purpose in each file (at least one row per file when it is above 0). With `zone_rolls`, the unit
    lists of two zones follow the master data (`zones/<zone_id>/…`, scripts/sample_zones.py).
    """
    first, last = years
    if first > last or enterprises < 1 or not 0 <= invalid_share < 0.5:
        raise ValueError("need years (first <= last), enterprises >= 1 and 0 <= invalid_share < 0.5")
    model = load_model(model_version)
    province = _province(random.Random(f"{seed}:province"), enterprises, first, last)
    files: list[SampleFile] = []

    def emit(department: str, style: _Style, year: int, table: _Table, master: bool) -> None:
        rng = random.Random(f"{seed}:{department}:{style.file_name}:{year}")
        _plant_faults(rng, table, model, invalid_share, master)
        dept = model.department(department)
        name = style.file_name.format(year=year, name=dept.name_zh if dept else department)
        path = out_dir / department / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _WRITERS[style.format](path, model, style, table, rng)
        files.append(
            SampleFile(
                department=department,
                path=path,
                key=f"incoming/{department}/{name}",
                format=style.format,
                rows=len(table.rows),
                invalid_rows=table.invalid,
                period=year,
                encoding=style.encoding,
            )
        )

    masters = [d.id for d in model.departments if d.master_data]
    for department in masters:
        for year in range(first, last + 1):
            existing = [e for e in province if e.established_on.year <= year]
            emit(department, _STYLES.get(department, _DEFAULT_STYLE), year, _master_table(existing), True)
            new = [e for e in existing if e.established_on.year == year]
            if new:
                emit(department, _NEW_REGISTRATIONS, year, _master_table(new), True)
    rolls = (
        write_rolls(out_dir, ((e.credit_code, e.region_code) for e in province), last) if zone_rolls else []
    )
    for roll in rolls:
        files.append(
            SampleFile(
                department="zone_members",
                path=roll.path,
                key=roll.key,
                format="csv",
                rows=roll.rows,
                invalid_rows=0,
                period=last,
                encoding="utf-8-sig",
            )
        )
    for year in range(first, last + 1):
        for dept in model.departments:
            if dept.master_data:
                continue
            rng = random.Random(f"{seed}:{dept.id}:values:{year}")
            table = _indicator_table(rng, model, dept.id, province, year)
            if table.rows:
                emit(dept.id, _STYLES.get(dept.id, _DEFAULT_STYLE), year, table, False)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a deterministic sample province (CONTRACT.md 2).")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument("--years", type=int, nargs=2, default=(2024, 2025), metavar=("FIRST", "LAST"))
    parser.add_argument("--invalid-share", type=float, default=0.01)
    args = parser.parse_args(argv)
    files = generate(
        args.out,
        enterprises=args.enterprises,
        seed=args.seed,
        years=(args.years[0], args.years[1]),
        invalid_share=args.invalid_share,
    )
    for f in files:
        kind = f"{f.format}/{f.encoding}" if f.encoding else f.format
        print(f"{f.key}\t{kind}\trows={f.rows}\tinvalid={f.invalid_rows}\t{f.path}")
    total = sum(f.rows for f in files)
    bad = sum(f.invalid_rows for f in files)
    print(f"{len(files)} files, {total} rows, {bad} invalid on purpose", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
