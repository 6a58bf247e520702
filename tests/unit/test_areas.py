"""Areas (contract 15, 16): who lies inside a key's area, and which filters a list may apply."""

from __future__ import annotations

import pytest

from chalicelib.api import auth
from chalicelib.domain.areas import PROVINCE, Area, Location, OutsideAreaError, Scope

NANCHANG = Location("91360100000000000X", "360111", "NC-HITECH")
GANZHOU = Location("91360700000000000X", "360702", None)


def _cities(zone: str) -> tuple[str, ...] | None:
    return {"NC-HITECH": ("3601",), "GJ-NEW": ("3601", "3604")}.get(zone)


@pytest.mark.parametrize(
    ("area", "location", "inside"),
    [
        (PROVINCE, GANZHOU, True),
        (Area("city", "3601"), NANCHANG, True),
        (Area("city", "3601"), GANZHOU, False),
        (Area("city", "3601"), Location("X", None, None), False),  # no master data: outside
        (Area("zone", "NC-HITECH"), NANCHANG, True),
        (Area("zone", "NC-HITECH"), GANZHOU, False),  # no zone at all
        (Area("zone", "GJ-NEW"), NANCHANG, False),
        (Area("enterprise", NANCHANG.credit_code), NANCHANG, True),
        (Area("enterprise", NANCHANG.credit_code), GANZHOU, False),
    ],
)
def test_contains(area: Area, location: Location, inside: bool) -> None:
    assert area.contains(location) is inside


def test_code_alone_decides_only_for_province_and_enterprise() -> None:
    assert PROVINCE.contains_code("any") is True
    assert Area("enterprise", "A").contains_code("A") is True
    assert Area("enterprise", "A").contains_code("B") is False
    assert Area("city", "3601").contains_code("A") is None
    assert Area("zone", "Z01").contains_code("A") is None


def test_province_filters_pass_through() -> None:
    assert PROVINCE.narrow("3607", "X") == Scope("3607", "X")


def test_city_narrows_to_its_code_and_refuses_outside() -> None:
    city = Area("city", "3601")
    assert city.narrow(None, None) == Scope("3601", None)
    assert city.narrow("360111", None) == Scope("360111", None)
    assert city.narrow(None, "GJ-NEW", _cities) == Scope("3601", "GJ-NEW")
    for region in ("36", "3607", "360702"):
        with pytest.raises(OutsideAreaError):
            city.narrow(region, None)
    with pytest.raises(OutsideAreaError):
        Area("city", "3607").narrow(None, "NC-HITECH", _cities)
    with pytest.raises(OutsideAreaError):
        city.narrow(None, "UNKNOWN", _cities)


def test_zone_names_only_itself_and_region_narrows_within() -> None:
    zone = Area("zone", "NC-HITECH")
    assert zone.narrow(None, None) == Scope(None, "NC-HITECH")
    assert zone.narrow("360111", "NC-HITECH") == Scope("360111", "NC-HITECH")
    with pytest.raises(OutsideAreaError):
        zone.narrow(None, "GJ-NEW")


def test_enterprise_reads_no_lists() -> None:
    with pytest.raises(OutsideAreaError):
        Area("enterprise", "A").narrow(None, None)


def test_principal_area_follows_role_and_org() -> None:
    assert auth.Principal("admin", "api_key").area == PROVINCE
    assert auth.Principal("bank", "api_key", org="b").area == PROVINCE
    assert auth.Principal("department:tax", "api_key", org="tax").area == PROVINCE
    assert auth.Principal("city", "api_key", org="3601").area == Area("city", "3601")
    assert auth.Principal("zone", "api_key", org="NC-HITECH").area == Area("zone", "NC-HITECH")
    assert auth.Principal("enterprise", "api_key", org="C").area == Area("enterprise", "C")


DEPTS = frozenset({"tax", "sci", "registry"})


@pytest.mark.parametrize(
    ("role", "org", "expected"),
    [
        ("city", "3601", "3601"),
        ("city", "3611", "3611"),
        ("zone", "NC-HITECH", "NC-HITECH"),
        ("investor", "jx-fund", "jx-fund"),
        ("bank", "jx-bank", "jx-bank"),
    ],
)
def test_orgs_that_fit(role: str, org: str, expected: str) -> None:
    assert auth.validate_org(role, org, DEPTS) == expected


def test_enterprise_org_is_a_valid_folded_credit_code() -> None:
    from chalicelib.domain.creditcode import check_character

    first17 = "91360100MA35ABCD1"
    code = first17 + check_character(first17)
    assert auth.validate_org("enterprise", " " + code.lower() + " ", DEPTS) == code
    wrong = first17 + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValueError, match="credit code"):
        auth.validate_org("enterprise", wrong, DEPTS)


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("city", None),
        ("city", "3600"),
        ("city", "3612"),
        ("city", "4401"),
        ("zone", None),
        ("zone", "nc-hitech"),
        ("zone", "A/B"),
        ("investor", None),
        ("investor", "tax"),  # one namespace: no institution is named like a department
        ("bank", "sci"),
        ("enterprise", None),
    ],
)
def test_orgs_that_do_not_fit(role: str, org: str | None) -> None:
    with pytest.raises(ValueError):
        auth.validate_org(role, org, DEPTS)


@pytest.mark.parametrize("role", ["city", "zone", "enterprise", "investor"])
def test_new_roles_are_known(role: str) -> None:
    assert auth.validate_role(role, DEPTS) == role
