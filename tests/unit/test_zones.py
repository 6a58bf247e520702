"""Zones without AWS (contract 14, 15): the shipped catalogue, edits (rename, merge), lookups, the dated
membership rule, and a unit list's rows."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.messages import Code
from chalicelib.domain.values import ValueProblem
from chalicelib.domain.zones.catalogue import (
    ZONE_ID,
    ZoneProblem,
    parse_catalogue,
    shipped,
    zone_fields,
)
from chalicelib.domain.zones.membership import (
    REGISTRATION,
    UNIT_LIST,
    Membership,
    china_date,
    membership_date,
    newest_first,
    zone_today,
)
from chalicelib.domain.zones.unit_list import UnitRow, check_row
from scripts.synthetic import credit_code

CODE = credit_code(1)


def test_the_shipped_catalogue_holds_the_zones_the_contract_names() -> None:
    zones = shipped().zones
    assert all(ZONE_ID.match(z) for z in zones)
    national_hitech = {z.name_zh for z in zones.values() if z.level == "national" and z.type == "hitech"}
    assert len(national_hitech) == 9 and "南昌高新技术产业开发区" in national_hitech
    assert (
        "九江共青城高新技术产业开发区" in national_hitech and "宜春丰城高新技术产业开发区" in national_hitech
    )
    national_econ = [z for z in zones.values() if z.level == "national" and z.type == "econ"]
    assert len(national_econ) == 11
    assert {"南昌小蓝经济技术开发区", "龙南经济技术开发区", "贵溪经济技术开发区"} <= {
        z.name_zh for z in national_econ
    }
    assert zones["GJXQ"].type == "new_area" and zones["GJXQ"].city_codes == ("3601", "3604")
    assert sum(z.level == "provincial" and z.type == "hitech" for z in zones.values()) >= 9
    assert sum(z.level == "provincial" and z.type == "park" for z in zones.values()) >= 10
    hitech = zones["NC-HTZ"]
    assert hitech.pilot and hitech.rollout_due == "2025-12-31"
    assert not zones["NC-ETZ"].pilot and zones["NC-ETZ"].rollout_due == "2026-12-31"
    assert zones["SC-HTP"].former_names == ("江西遂川工业园区",)  # renamed 2025-01-15


ZONE = "{zone_id: AB-1, name_zh: 某园区, level: national, type: hitech, city_codes: ['3601']}"


def _file(*zones: str) -> str:
    return "version: v\nzones:\n" + "".join(f"  - {z}\n" for z in zones)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (_file(ZONE.replace("AB-1", "bad id")), "zone_id"),
        (_file(ZONE.replace("'3601'", "'3699'")), "zones.0.city_codes"),
        (_file(ZONE.replace("national", "city")), "zones.0.level"),
        (_file(ZONE.replace("}", ", x: 1}")), "zones.0.x"),
        (_file(ZONE.replace("某园区", "甲园区"), ZONE.replace("某园区", "乙园区")), "zone_id"),
    ],
)
def test_a_bad_catalogue_file_is_refused_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(ZoneProblem) as raised:
        parse_catalogue(text)
    assert raised.value.field == field


def _fields(**changes: object) -> dict[str, object]:
    zone = shipped().zones["NC-HTZ"]
    body: dict[str, object] = {
        "name_zh": zone.name_zh,
        "level": zone.level,
        "type": zone.type,
        "city_codes": list(zone.city_codes),
    }
    return body | changes


def test_a_rename_keeps_the_former_name_and_the_old_name_still_finds_the_zone() -> None:
    cat = shipped()
    renamed = cat.edited("NC-HTZ", zone_fields(_fields(name_zh="南昌国家高新区")))
    assert renamed.name_zh == "南昌国家高新区" and renamed.former_names == ("南昌高新技术产业开发区",)
    after = cat.with_zones([renamed])
    assert after.find("南昌高新技术产业开发区") == "NC-HTZ" and after.find("南昌国家高新区") == "NC-HTZ"
    assert after.find("nc-htz") == "NC-HTZ" and after.find("不存在的园区") is None
    back = after.edited("NC-HTZ", zone_fields(_fields()))  # renamed back: no name listed twice
    assert back.former_names == ("南昌国家高新区",)


def test_a_merge_moves_members_and_is_refused_into_itself_unknown_or_merged_zones() -> None:
    cat = shipped()
    merged = cat.edited(
        "XL-ETZ",
        zone_fields(
            _fields(name_zh="南昌小蓝经济技术开发区", type="econ", status="merged", merged_into="NC-ETZ")
        ),
    )
    after = cat.with_zones([merged])
    assert after.resolve("XL-ETZ") == "NC-ETZ" and after.resolve("NC-ETZ") == "NC-ETZ"
    assert after.absorbed("NC-ETZ") == {"NC-ETZ", "XL-ETZ"}
    assert after.select(zone="NC-ETZ") == {"NC-ETZ", "XL-ETZ"}
    assert after.select(zone="XL-ETZ") == frozenset()  # a merged zone is no longer a zone of its own
    assert "XL-ETZ" not in {z.zone_id for z in after.active()}
    assert after.select(zone_type="econ", zone_level="national") >= {"XL-ETZ", "NC-ETZ", "GX-ETZ"}
    with pytest.raises(ZoneProblem, match="itself"):
        cat.edited("NC-ETZ", zone_fields(_fields(type="econ", status="merged", merged_into="NC-ETZ")))
    with pytest.raises(ZoneProblem, match="unknown"):
        cat.edited("NC-ETZ", zone_fields(_fields(type="econ", status="merged", merged_into="NOPE-1")))
    with pytest.raises(ZoneProblem, match="itself merged"):
        after.edited("YC-ETZ", zone_fields(_fields(type="econ", status="merged", merged_into="XL-ETZ")))
    with pytest.raises(ZoneProblem, match="merged into"):
        after.edited("NC-ETZ", zone_fields(_fields(type="econ", status="merged", merged_into="XL-ETZ")))
    with pytest.raises(ZoneProblem) as raised:
        zone_fields(_fields(status="merged"))
    assert raised.value.field == "merged_into" or "merged_into" in raised.value.en
    with pytest.raises(ZoneProblem) as raised:
        cat.edited("bad id!", zone_fields(_fields()))
    assert raised.value.field == "zone_id"
    with pytest.raises(ZoneProblem) as raised:
        cat.edited("NEW-1", zone_fields(_fields()))  # a name another zone carries
    assert raised.value.field == "name_zh"
    with pytest.raises(ZoneProblem) as raised:
        zone_fields(_fields(colour="red"))
    assert raised.value.field == "colour"


def _m(zone: str, start: date, end: date | None = None, recorded: str = "2025-01-01T00:00:00Z") -> Membership:
    return Membership(CODE, zone, start, end, UNIT_LIST, "zones/x/a.csv", "b", recorded)


def test_the_zone_today_is_the_valid_membership_with_the_latest_start_ties_to_the_later_upload() -> None:
    today = date(2026, 6, 1)
    assert zone_today([], today) is None
    records = [_m("NC-HTZ", date(2024, 1, 1)), _m("NC-ETZ", date(2025, 3, 1))]
    assert zone_today(records, today) == "NC-ETZ"
    assert zone_today(records, date(2025, 2, 28)) == "NC-HTZ"
    ended = [_m("NC-HTZ", date(2024, 1, 1)), _m("NC-ETZ", date(2025, 3, 1), date(2025, 12, 31))]
    assert zone_today(ended, today) == "NC-HTZ"  # the later one ended: the earlier open one holds
    future = [_m("NC-HTZ", date(2024, 1, 1)), _m("NC-ETZ", date(2027, 1, 1))]
    assert zone_today(future, today) == "NC-HTZ"
    tie = [
        _m("NC-HTZ", date(2025, 1, 1), recorded="2025-02-01T00:00:00Z"),
        _m("NC-ETZ", date(2025, 1, 1), recorded="2025-01-01T00:00:00Z"),
    ]
    assert zone_today(tie, today) == "NC-HTZ"
    assert [m.zone_id for m in newest_first(tie)] == ["NC-HTZ", "NC-ETZ"]
    assert all(m.valid_on(date(2025, 1, 1)) for m in tie)


def test_membership_dates_in_every_accepted_format_and_impossible_ones() -> None:
    for raw in ("2025-01-15", "2025/1/15", "2025年1月15日", "２０２５-０１-１５"):
        assert membership_date(raw) == date(2025, 1, 15)
    assert membership_date("2027-12-31") == date(2027, 12, 31)  # ahead of today: a roll valid to year end
    for raw in ("2025-02-30", "2025-13-01", "soon", ""):
        with pytest.raises(ValueProblem):
            membership_date(raw if raw else None)
    assert china_date("2025-12-31T17:00:00Z") == date(2026, 1, 1)  # already the new year in China


def test_unit_list_rows_are_checked_with_coded_errors() -> None:
    today = date(2026, 3, 1)
    assert check_row(2, {"credit_code": CODE}, today) == UnitRow(2, CODE, today, None)
    assert check_row(
        3, {"credit_code": CODE, "valid_from": "2025/1/1", "valid_to": "2026年12月31日"}, today
    ) == UnitRow(3, CODE, date(2025, 1, 1), date(2026, 12, 31))
    bad_check = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    cases = {
        "INVALID_CREDIT_CODE": {"credit_code": "12345"},
        "CREDIT_CODE_CHECKSUM": {"credit_code": bad_check},
        "INVALID_DATE": {"credit_code": CODE, "valid_from": "2025-02-30"},
    }
    for code, cells in cases.items():
        found = check_row(4, cells, today)
        assert not isinstance(found, UnitRow) and found.code == code and found.message_zh and found.message_en
    backwards = check_row(
        5, {"credit_code": CODE, "valid_from": "2025-06-01", "valid_to": "2025-05-31"}, today
    )
    assert not isinstance(backwards, UnitRow)
    assert (
        backwards.code == Code.INVALID_DATE
        and backwards.column == "valid_to"
        and "起始日期" in backwards.message_zh
    )
    assert REGISTRATION == "registration_authority"
