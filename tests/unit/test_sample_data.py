"""The sample province: deterministic, realistic, and invalid exactly where it says.

The files are read back here the way a department's upload would be (headers by id or Chinese name
from the model) and checked with a few independent rules, without the ingest's validation module.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from chalicelib.domain.creditcode import fold_width, normalise, problem
from chalicelib.domain.model.schema import IndicatorDef, Stage, load_model
from scripts.sample_data import DEFAULT_MODEL_VERSION, SampleFile, generate, main

MODEL = load_model(DEFAULT_MODEL_VERSION)
YEARS = (2024, 2025)
N = 50
SHARE = 0.08  # above the default, so that a 50-row file gets several kinds of fault, duplicates included
MASTER_DEPARTMENTS = {d.id for d in MODEL.departments if d.master_data}
# zone: the registry's optional 所属园区 (contract 14; scripts/sample_zones.py)
MASTER_COLUMNS = {"credit_code", "name", "established_on", "region_code", "industry_code", "zone"}
HEADER_IDS = (
    {c.id: c.id for c in MODEL.columns}
    | {c.name_zh: c.id for c in MODEL.columns}
    | {i.id: i.id for i in MODEL.indicators}
    | {i.name_zh: i.id for i in MODEL.indicators}
    | {"zone": "zone", "所属园区": "zone"}
)
FLAG_WORDS = {"1", "0", "是", "否", "y", "n", "true", "false", "yes", "no"}
JIANGXI_CITIES = {f"36{n:02d}" for n in range(1, 12)}


@dataclass(frozen=True)
class Checked:
    file: SampleFile
    rows: list[dict[str, Any]]  # column id -> cell as read
    invalid: set[int]  # indexes into rows
    duplicated: int  # rows whose (enterprise, year) occurs more than once

    def valid_rows(self) -> Iterator[dict[str, Any]]:
        return (r for i, r in enumerate(self.rows) if i not in self.invalid)


# --- reading the files back ----------------------------------------------------------------------
def read(f: SampleFile) -> list[dict[str, Any]]:
    if f.format == "csv":
        assert f.encoding is not None
        table = list(csv.reader(io.StringIO(f.path.read_bytes().decode(f.encoding))))
        header = [HEADER_IDS[h] for h in table[0]]
        assert len(set(header)) == len(header), header
        return [dict(zip(header, r, strict=True)) for r in table[1:]]
    if f.format == "xlsx":
        wb = load_workbook(f.path, read_only=True)
        sheet = list(wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        header = [HEADER_IDS[str(h)] for h in sheet[0]]
        assert len(set(header)) == len(header), header
        # a row ends at its last written cell: pad the empty ones
        return [dict(zip(header, (*r, *[None] * (len(header) - len(r))), strict=True)) for r in sheet[1:]]
    rows = []
    for line in f.path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        ids = [HEADER_IDS[k] for k in obj]
        assert len(set(ids)) == len(ids), obj
        rows.append(dict(zip(ids, obj.values(), strict=True)))
    return rows


def blank(raw: Any) -> bool:
    return raw is None or raw == ""


def number(raw: Any, percent: bool) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    text = fold_width(str(raw)).replace(",", "").strip()
    if percent:
        text = text.removesuffix("%")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def indicator_ok(ind: IndicatorDef, raw: Any) -> bool:
    if ind.type == "flag":
        return isinstance(raw, bool) or str(raw).strip().lower() in FLAG_WORDS
    value = number(raw, percent=ind.type == "share")
    if value is None:
        return False
    if ind.type == "count":
        return value >= 0 and value == value.to_integral_value()
    if ind.type == "share":
        return 0 <= value <= 100
    return value >= 0 or ind.allow_negative


def parse_date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    for pattern in (
        r"(\d{4})-(\d{1,2})-(\d{1,2})",
        r"(\d{4})/(\d{1,2})/(\d{1,2})",
        r"(\d{4})年(\d{1,2})月(\d{1,2})日",
    ):
        m = re.fullmatch(pattern, str(raw))
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def period_of(raw: Any) -> int | None:
    text = str(raw).strip().removesuffix("年")
    return int(text) if re.fullmatch(r"\d{4}", text) and 2000 <= int(text) <= date.today().year else None


def row_ok(department: str, row: dict[str, Any]) -> bool:
    code = row.get("credit_code")
    if not isinstance(code, str) or problem(normalise(code)) is not None:
        return False
    if department in MASTER_DEPARTMENTS:
        return (
            bool(row["name"])
            and parse_date(row["established_on"]) is not None
            and re.fullmatch(r"36\d{4}", str(row["region_code"])) is not None
            and re.fullmatch(r"[A-T](\d{2,4})?", str(row["industry_code"])) is not None
        )
    return period_of(row["period"]) is not None and all(
        indicator_ok(MODEL.indicator(c), v)
        for c, v in row.items()
        if c not in ("credit_code", "period") and not blank(v)
    )


def check(f: SampleFile) -> Checked:
    rows = read(f)
    invalid = {i for i, r in enumerate(rows) if not row_ok(f.department, r)}
    key = (
        (lambda r: normalise(str(r["credit_code"])))
        if f.department in MASTER_DEPARTMENTS
        else (lambda r: (normalise(str(r["credit_code"])), str(r["period"]).removesuffix("年")))
    )
    counts = Counter(key(r) for r in rows)
    duplicated = {i for i, r in enumerate(rows) if counts[key(r)] > 1}
    return Checked(f, rows, invalid | duplicated, len(duplicated))  # every copy of a duplicate


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("province")


@pytest.fixture(scope="module")
def sample(out: Path) -> list[SampleFile]:
    return generate(out, enterprises=N, seed=7, years=YEARS, invalid_share=SHARE)


def test_zones_come_through_the_registry_column_and_two_unit_lists(tmp_path: Path) -> None:
    from chalicelib.domain.zones.catalogue import shipped
    from scripts.sample_zones import UNIT_LIST_ZONES

    generated = generate(tmp_path, enterprises=N, seed=7, years=YEARS, invalid_share=SHARE, zone_rolls=True)
    rolls = [f for f in generated if f.department == "zone_members"]
    assert [f.key.split("/")[1] for f in rolls] == list(UNIT_LIST_ZONES)
    for roll in rolls:
        rows = list(csv.reader(io.StringIO(roll.path.read_text(encoding="utf-8-sig"))))
        assert rows[0] == ["统一社会信用代码", "起始日期", "截止日期"] and len(rows) - 1 == roll.rows
        assert roll.key == f"zones/{roll.key.split('/')[1]}/{roll.path.name}"
    registry = next(f for f in generated if f.department == "registry" and f.format == "csv")
    cells = [r["zone"] for r in read(registry) if r.get("zone")]
    catalogue = shipped()
    assert cells and all(catalogue.find(c) is not None for c in cells)
    assert not {catalogue.find(c) for c in cells} & set(UNIT_LIST_ZONES)


@pytest.fixture(scope="module")
def checked(sample: list[SampleFile]) -> list[Checked]:
    return [check(f) for f in sample]


def stage(established: date, revenue: Decimal, period: int) -> Stage:
    rule = MODEL.stage_rule
    age = period - established.year
    if age < rule.startup.age_below or revenue < rule.startup.revenue_below:
        return "startup"
    if age >= rule.mature.age_at_least and revenue >= rule.mature.revenue_at_least:
        return "mature"
    return rule.otherwise


# --- determinism ---------------------------------------------------------------------------------
def test_same_arguments_give_the_same_bytes(sample: list[SampleFile], tmp_path: Path) -> None:
    again = generate(tmp_path, enterprises=N, seed=7, years=YEARS, invalid_share=SHARE)
    assert [(f.key, f.rows, f.invalid_rows) for f in again] == [
        (f.key, f.rows, f.invalid_rows) for f in sample
    ]
    for a, b in zip(sample, again, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.key  # XLSX included: times are fixed


def test_another_seed_gives_another_province(sample: list[SampleFile], tmp_path: Path) -> None:
    other = generate(tmp_path, enterprises=N, seed=8, years=YEARS, invalid_share=SHARE)
    other_bytes = {f.key: f.path.read_bytes() for f in other}
    assert all(other_bytes[f.key] != f.path.read_bytes() for f in sample if f.key in other_bytes)


def test_xlsx_archives_hold_no_clock_time(sample: list[SampleFile]) -> None:
    """openpyxl stamps entries and document properties with the clock: the generator fixes both."""
    for f in (f for f in sample if f.format == "xlsx"):
        with zipfile.ZipFile(f.path) as archive:
            assert {i.date_time for i in archive.infolist()} == {(2025, 1, 1, 0, 0, 0)}
            core = archive.read("docProps/core.xml").decode()
        stamps = re.findall(r"<dcterms:(created|modified)[^>]*>([^<]*)<", core)
        assert sorted(stamps) == [("created", "2025-01-01T00:00:00Z"), ("modified", "2025-01-01T00:00:00Z")]


# --- files, keys, formats ------------------------------------------------------------------------
def test_every_department_has_files_for_every_year(sample: list[SampleFile]) -> None:
    have = {(f.department, f.period) for f in sample}
    assert {(d.id, y) for d in MODEL.departments for y in range(YEARS[0], YEARS[1] + 1)} <= have


def test_keys_are_department_folders_with_chinese_names(sample: list[SampleFile], out: Path) -> None:
    for f in sample:
        assert f.key == f"incoming/{f.department}/{f.path.name}"
        assert f.path.relative_to(out) == Path(f.department, f.path.name)
        assert f.path.suffix == f".{f.format}"
        assert re.search(r"[\u4e00-\u9fff]", f.path.name), f.key
    assert sample[0].department in MASTER_DEPARTMENTS  # master data goes up first
    assert {f.format for f in sample} == {"csv", "xlsx", "jsonl"}


def test_gb18030_files_are_not_utf8(sample: list[SampleFile]) -> None:
    gb = [f for f in sample if f.encoding == "gb18030"]
    assert {f.department for f in gb} >= {"registry", "tax"}
    for f in gb:
        raw = f.path.read_bytes()
        assert "统一社会信用代码" in raw.decode("gb18030")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


def test_headers_are_the_model_columns_a_department_may_send(checked: list[Checked]) -> None:
    for c in checked:
        columns = set().union(*(r.keys() for r in c.rows))
        if c.file.department in MASTER_DEPARTMENTS:
            assert columns == MASTER_COLUMNS
        else:
            allowed = {i.id for i in MODEL.owned_by(c.file.department)} | {"credit_code", "period"}
            assert {"credit_code", "period"} <= columns <= allowed, c.file.key


def test_new_registrations_carry_real_date_cells(checked: list[Checked]) -> None:
    sheets = [c for c in checked if c.file.department in MASTER_DEPARTMENTS and c.file.format == "xlsx"]
    assert sheets
    for c in sheets:
        assert all(isinstance(r["established_on"], datetime) for r in c.valid_rows())


# --- invalid rows --------------------------------------------------------------------------------
def test_invalid_rows_are_as_declared(checked: list[Checked]) -> None:
    for c in checked:
        assert c.file.rows == len(c.rows)
        assert len(c.invalid) == c.file.invalid_rows, c.file.key
        assert c.file.invalid_rows >= 1  # every file carries at least one on purpose
    assert any(c.duplicated for c in checked)


def test_without_invalid_share_every_row_is_valid(tmp_path: Path) -> None:
    files = generate(tmp_path, enterprises=N, seed=7, years=YEARS, invalid_share=0)
    for f in files:
        c = check(f)
        assert f.invalid_rows == 0
        assert c.invalid == set(), f.key


def test_credit_codes_are_valid_and_match_the_region(checked: list[Checked]) -> None:
    bad_codes = 0
    for c in checked:
        for r in c.rows:
            bad_codes += problem(normalise(str(r["credit_code"]))) is not None
        if c.file.department in MASTER_DEPARTMENTS:
            for r in c.valid_rows():
                assert str(r["credit_code"])[2:8] == r["region_code"]
    assert 0 < bad_codes <= sum(c.file.invalid_rows for c in checked)


# --- the province --------------------------------------------------------------------------------
def masters(checked: list[Checked]) -> dict[str, dict[str, Any]]:
    """Master data as the ingest would keep it: the latest valid row per enterprise, in upload order."""
    found: dict[str, dict[str, Any]] = {}
    for c in checked:
        if c.file.department in MASTER_DEPARTMENTS:
            found.update({normalise(r["credit_code"]): r for r in c.valid_rows()})
    return found


def values(
    checked: list[Checked], indicator: str, department: str | None = None
) -> dict[tuple[str, int], Decimal]:
    """Valid values of one indicator by (credit code, year), from its source department or `department`."""
    ind = MODEL.indicator(indicator)
    found: dict[tuple[str, int], Decimal] = {}
    for c in checked:
        if c.file.department != (department or ind.source):
            continue
        for r in c.valid_rows():
            value = r.get(indicator)
            period = period_of(r["period"])
            number_ = None if blank(value) else number(value, percent=ind.type == "share")
            if number_ is not None and period is not None:
                found[(normalise(str(r["credit_code"])), period)] = number_
    return found


def assert_cities_names_and_stages(checked: list[Checked], enterprises: int) -> None:
    found = masters(checked)
    lost = sum(c.file.invalid_rows for c in checked if c.file.department in MASTER_DEPARTMENTS)
    assert enterprises - lost <= len(found) <= enterprises  # only rows made invalid can lose one
    assert {str(m["region_code"])[:4] for m in found.values()} == JIANGXI_CITIES
    names = [str(m["name"]) for m in found.values()]
    assert len(set(names)) == len(names)
    assert all(n.endswith("有限公司") for n in names)
    revenue = values(checked, MODEL.stage_rule.revenue_indicator)
    for year in range(YEARS[0], YEARS[1] + 1):
        stages = {
            stage(parse_date(found[code]["established_on"]) or date.max, amount, year)
            for (code, period), amount in revenue.items()
            if period == year and code in found
        }
        assert stages == {"startup", "growth", "mature"}, year


def test_every_city_and_every_stage_in_every_year(checked: list[Checked]) -> None:
    assert_cities_names_and_stages(checked, N)


def test_eleven_enterprises_already_show_every_city_and_stage(tmp_path: Path) -> None:
    files = generate(tmp_path, enterprises=11, seed=3, years=YEARS, invalid_share=SHARE)
    assert_cities_names_and_stages([check(f) for f in files], 11)


def test_no_enterprise_has_data_before_it_was_established(checked: list[Checked]) -> None:
    found = masters(checked)
    for c in checked:
        if c.file.department in MASTER_DEPARTMENTS:
            continue
        for r in c.valid_rows():
            established = parse_date(found[normalise(str(r["credit_code"]))]["established_on"])
            assert established is not None and established.year <= (period_of(r["period"]) or 0)


def test_amounts_hang_together(checked: list[Checked]) -> None:
    revenue = values(checked, "operating_revenue")
    rd = values(checked, "rd_expense")
    staff, employees = values(checked, "rd_staff"), values(checked, "employees")
    assert all(rd[k] < revenue[k] for k in rd.keys() & revenue.keys())
    assert all(staff[k] <= employees[k] for k in staff.keys() & employees.keys())
    # revenue is reported for both years and changes between them
    both = [c for c, y in revenue if y == YEARS[1] and (c, YEARS[0]) in revenue]
    assert both and any(revenue[(c, YEARS[1])] != revenue[(c, YEARS[0])] for c in both)


def test_stats_mostly_agree_with_the_scored_source(checked: list[Checked]) -> None:
    tolerance = MODEL.cross_check.tolerance_pct / 100
    gaps: list[Decimal] = []
    for ind in MODEL.owned_by(MODEL.cross_check.department):
        scored = values(checked, ind.id)
        survey = values(checked, ind.id, department=MODEL.cross_check.department)
        gaps += [abs(v - scored[k]) / scored[k] for k, v in survey.items() if scored.get(k)]
    assert gaps
    off = [g for g in gaps if g > tolerance]
    assert 0 < len(off) < len(gaps) / 5
    assert all(g == 0 for g in gaps if g <= tolerance)


def test_negative_flags_are_rare_and_one_vetoes(checked: list[Checked]) -> None:
    set_flags: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    for c in checked:
        for r in c.valid_rows():
            for col, raw in r.items():
                if col in HEADER_IDS and col not in MASTER_COLUMNS | {"period"} and not blank(raw):
                    ind = MODEL.indicator(col)
                    if ind.kind == "negative" and ind.type == "flag":
                        sent[col] += 1
                        set_flags[col] += raw is True or str(raw).lower() in {"1", "是", "y", "true", "yes"}
    vetoes = [i.id for i in MODEL.indicators if i.veto]
    assert sum(set_flags[v] for v in vetoes) >= 1
    assert sum(set_flags.values()) < 0.1 * sum(sent.values())


def test_the_command_line_prints_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--enterprises", "12", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert files
    for p in files:
        assert f"incoming/{p.parent.name}/{p.name}" in printed
