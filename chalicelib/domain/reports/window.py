"""`entered` and `left` of a region report: whitelist events of the period in the window `since`–`as_of`.

The rescore counts each event once, by district and day (China Standard Time: the day a province
office reads on its calendar); the builder folds those counts into a daily series per block, and a
request sums the days of its window. A window is whole days: `since` from 00:00 CST, up to the day
of `as_of` included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Final

from chalicelib.domain.regions import CITIES
from chalicelib.domain.reports.blocks import PROVINCE
from chalicelib.domain.reports.inputs import MoveCount
from chalicelib.domain.scoring.whitelist import ENTERED, LEFT

CHINA: Final = timezone(timedelta(hours=8), "CST")

Series = dict[str, list[int]]  # ISO day -> [entered, left]
ZONE_MOVES: Final = "Z:"  # counters of a zone's moves are kept beside the districts' as "Z:<zone id>"


def zone_moves_key(zone_id: str) -> str:
    return f"{ZONE_MOVES}{zone_id}"


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def default_since(as_of: datetime) -> date:
    """The first day of the current year (contract 10), in China."""
    return date(china_day(as_of).year, 1, 1)


def series_by_region(moves: Iterable[MoveCount]) -> dict[str, Series]:
    """Daily counts for the province, each city with events, and each district with events."""
    out: dict[str, Series] = {}
    for move in moves:
        day = move.day.isoformat()
        if move.region_code.startswith(ZONE_MOVES):  # a zone's own series (contract 14): nothing else
            counts = out.setdefault(move.region_code, {}).setdefault(day, [0, 0])
            counts[0] += move.entered
            counts[1] += move.left
            continue
        city = move.region_code[:4]
        keys = (PROVINCE, city, move.region_code) if city in CITIES else (PROVINCE, move.region_code)
        for key in keys:
            counts = out.setdefault(key, {}).setdefault(day, [0, 0])
            counts[0] += move.entered
            counts[1] += move.left
    return out


def window(series: Mapping[str, list[int]], since: date, until: date) -> tuple[int, int]:
    """(entered, left) over the days from `since` to `until`, both included."""
    first, last = since.isoformat(), until.isoformat()
    entered = left = 0
    for day, (gained, lost) in series.items():
        if first <= day <= last:
            entered += gained
            left += lost
    return entered, left


def count_events(bodies: Iterable[Mapping[str, object]]) -> dict[int, list[MoveCount]]:
    """Whitelist event bodies (contract 4) counted by period, day (CST) and district; other event
    types (grade changes) are not moves."""
    counts: dict[tuple[int, date, str], list[int]] = {}
    for body in bodies:
        kind = body.get("type")
        if kind not in (ENTERED, LEFT):
            continue
        moment = datetime.fromisoformat(str(body["time"]))
        key = (int(str(body["period"])), china_day(moment), str(body.get("region_code") or ""))
        pair = counts.setdefault(key, [0, 0])
        pair[0 if kind == ENTERED else 1] += 1
    out: dict[int, list[MoveCount]] = {}
    for (period, day, region), (entered, left) in sorted(counts.items()):
        out.setdefault(period, []).append(MoveCount(day, region, entered, left))
    return out
