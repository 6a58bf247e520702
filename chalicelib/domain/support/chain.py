"""The status chain of a support record (contract 8), as data.

    applied ──▶ approved ──▶ disbursed ──▶ repaid
       │            └──▶ withdrawn
       ├──▶ rejected
       └──▶ withdrawn

A record may start at any status (a bank may report a loan once, already disbursed); rewriting a
record at its own status is no move. Any other move is `INVALID_TRANSITION` (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from chalicelib.domain.support.fields import SupportProblem

NEXT: Final[Mapping[str, frozenset[str]]] = {
    "applied": frozenset({"approved", "rejected", "withdrawn"}),
    "approved": frozenset({"disbursed", "withdrawn"}),
    "disbursed": frozenset({"repaid"}),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
    "repaid": frozenset(),
}

STATUS_ZH: Final[Mapping[str, str]] = {
    "applied": "已申请",
    "approved": "已审批",
    "rejected": "已拒绝",
    "withdrawn": "已撤回",
    "disbursed": "已发放",
    "repaid": "已结清",
}

DECIDED: Final = frozenset({"approved", "rejected", "withdrawn", "disbursed", "repaid"})


def allowed(current: str, new: str) -> bool:
    return new == current or new in NEXT[current]


def check_transition(current: str, new: str) -> None:
    """Nothing when `current` may become `new`; SupportProblem(INVALID_TRANSITION) otherwise."""
    if allowed(current, new):
        return
    options = sorted(NEXT[current])
    then_en = f"it may become {', '.join(options)}" if options else "it is final"
    then_zh = "可变更为 " + "、".join(STATUS_ZH[s] for s in options) if options else "该状态为终态"
    raise SupportProblem(
        "INVALID_TRANSITION",
        "status",
        f"status: a record {current} cannot become {new}; {then_en}",
        f"状态不能从 {STATUS_ZH[current]} 变为 {STATUS_ZH[new]}；{then_zh}",
    )
