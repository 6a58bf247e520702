"""Which period a report request reads: the one asked for, else the latest with a built report."""

from __future__ import annotations

from chalicelib.api.problems import ApiProblem, Code
from chalicelib.services.reports import ReportReader


def report_period(asked: int | None) -> int:
    """`asked`, else the latest period with a built report; REPORT_NOT_READY before the first one."""
    if asked is not None:
        return asked
    latest = ReportReader().latest_period()
    if latest is None:
        raise ApiProblem(Code.REPORT_NOT_READY, "no report has been built yet", "尚未生成任何通报")
    return latest
