"""GET /console/: the web console's static files, served without a key (every data call needs one)."""

from __future__ import annotations

from chalice.app import Response

from chalicelib.api import static
from chalicelib.api.problems import ApiProblem, Code
from chalicelib.api.routing import Routes
from chalicelib.settings import Settings

routes = Routes(__name__)


def _serve(asset: static.Asset) -> Response:
    request = routes.current_request
    headers: dict[str, str | list[str]] = {
        "Content-Type": asset.content_type,
        "Cache-Control": asset.cache_control,
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if asset.name == static.INDEX:
        headers["Content-Security-Policy"] = static.content_security_policy()
        headers["Referrer-Policy"] = "no-referrer"
    if request.headers is not None and request.headers.get("if-none-match") == asset.etag:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, status_code=200, headers=headers)


def _file(name: str) -> static.Asset:
    asset = static.find(name)
    if asset is None or name == static.INDEX:  # the page itself only at /console/, with its base
        raise ApiProblem(Code.CONSOLE_FILE_NOT_FOUND, f"no console file {name!r}", f"控制台没有文件 {name}")
    return asset


@routes(
    "/console",
    "GET",
    roles=(),
    public=True,
    raw=True,
    response=static.StaticFile,
    content_type="text/html",
    summary="The web console (控制台): sign in with an API key",
)
def console_page(principal: None, settings: Settings) -> Response:
    context = routes.current_request.context or {}
    path = context.get("path")
    return _serve(static.index_for(path if isinstance(path, str) and path else "/console/"))


@routes(
    "/console/{name}",
    "GET",
    roles=(),
    public=True,
    raw=True,
    not_found=True,
    response=static.StaticFile,
    content_type="*/*",
    summary="A file of the web console (script, style sheet)",
)
def console_file(principal: None, settings: Settings, name: str) -> Response:
    return _serve(_file(name))


@routes(
    "/console/{folder}/{name}",
    "GET",
    roles=(),
    public=True,
    raw=True,
    not_found=True,
    response=static.StaticFile,
    content_type="*/*",
    summary="A file in a folder of the web console (pages, the vendored chart library and its licence)",
)
def console_folder_file(principal: None, settings: Settings, folder: str, name: str) -> Response:
    return _serve(_file(f"{folder}/{name}"))
