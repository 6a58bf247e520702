"""Where a zone's unit list goes (contract 15, 19.1): `zones/<zone_id>/<name>`. A zone key uploads its
own roll only (it may omit `zone_id` or name its own); admin names any known zone; nobody else."""

from __future__ import annotations

from chalicelib.api.auth import ADMIN, ZONE, Principal
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.services import zones


def zone_members_key(principal: Principal, zone_id: str | None, filename: str) -> str:
    if principal.role == ZONE:
        if zone_id is not None and zone_id != principal.org:
            raise ApiProblem(
                Code.OUTSIDE_AREA,
                f"a zone key uploads its own unit list only ({principal.org}), not {zone_id}'s",
                f"园区账号只能上传本园区（{principal.org}）的入统企业名录",
            )
        zone_id = principal.org
    elif principal.role != ADMIN:
        raise ApiProblem(
            Code.FORBIDDEN, "only a zone or admin uploads unit lists", "只有园区或管理员可以上传入统企业名录"
        )
    if zone_id is None:
        raise ApiProblem(
            Code.INVALID_FIELD, "zone_id: admin names the zone", "字段 zone_id：管理员上传时须指明园区"
        )
    zone = zones.catalogue().get(zone_id)
    if zone is None or not zone.active:
        raise ApiProblem(
            Code.INVALID_FIELD,
            f"zone_id: unknown or merged zone {zone_id}",
            f"字段 zone_id：未知或已合并的园区 {zone_id}",
        )
    return f"zones/{zone_id}/{filename}"
