"""POST /uploads: a department without AWS credentials posts its file straight to its own prefix."""

from __future__ import annotations

from chalicelib.api.auth import ADMIN, BANK, DEPARTMENT, ZONE, Principal, department_ids
from chalicelib.api.cultivation import qualification_upload_key
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.api.schemas import UploadBody, UploadTicket
from chalicelib.api.support import support_upload_key
from chalicelib.api.zone_uploads import zone_members_key
from chalicelib.services.model_registry import active_version
from chalicelib.settings import Settings
from chalicelib.stores import objects

routes = Routes(__name__)


@routes(
    "/uploads",
    "POST",
    roles=(DEPARTMENT, BANK, ZONE, ADMIN),
    response=UploadTicket,
    body=UploadBody,
    summary="A presigned POST for the caller's folder (kind data: incoming/<department>/; "
    "kind support: support/<org>/; kind qualifications: qualifications/<department>/; "
    "kind zone_members: zones/<zone_id>/), size-capped",
)
def upload(principal: Principal, settings: Settings, body: UploadBody) -> UploadTicket:
    # `filename` has been checked (no separators, an accepted extension) by `schemas.UploadBody`.
    if body.kind == "zone_members":
        key = zone_members_key(principal, body.zone_id, body.filename)
    elif principal.role in (ZONE, ADMIN):
        raise ApiProblem(
            Code.FORBIDDEN, "this key uploads zone unit lists only", "该账号只能上传园区入统企业名录"
        )
    elif body.kind == "support":
        key = support_upload_key(principal, body.filename)
    elif body.kind == "qualifications":
        key = qualification_upload_key(principal, body.filename)
    else:
        department = principal.department
        if department is None or department not in department_ids(active_version()):
            raise ApiProblem(Code.FORBIDDEN, "only a department may upload", "只有数据报送部门可以上传")
        key = f"incoming/{department}/{body.filename}"
    url, fields = objects.presigned_post(
        settings.upload_bucket, key, settings.max_upload_bytes, settings.region
    )
    return UploadTicket(
        url=url,
        fields=fields,
        key=key,
        expires_in=objects.PRESIGN_EXPIRES_IN,
        max_bytes=settings.max_upload_bytes,
    )
