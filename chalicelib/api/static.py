"""The console's static files: a catalogue read once from `chalicelib/console/`, served by name only.

A request names a file of the catalogue or gets a 404: nothing it sends ever becomes a path on disk,
so no `..`, no absolute path and no symlink can reach outside the folder. Text files leave as UTF-8
with `charset=utf-8` (Chinese turns into mojibake otherwise). The vendored chart library is cached for
a year (the page asks for it with its version in the query string, so a new version is a new URL);
everything else is revalidated on every load with its ETag, so a deploy shows at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import RootModel

from chalicelib.settings import get_settings
from chalicelib.stores import objects

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
INDEX = "index.html"
VENDOR = "vendor"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml; charset=utf-8",
}
LONG_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# The page and its scripts come from here; data calls go to this API; an upload goes to the bucket's
# presigned URL, which is another origin (S3, or moto's server locally): `connect-src` names exactly
# that one (issue 23, item 12), never any host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self' {upload_origin}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def upload_origin() -> str:
    """The upload bucket's origin as the browser reaches it."""
    settings = get_settings()
    return objects.upload_origin(settings.upload_bucket, settings.region)


def content_security_policy() -> str:
    return CONTENT_SECURITY_POLICY.format(upload_origin=upload_origin())


class StaticFile(RootModel[str]):
    """A file of the web console (HTML, JavaScript, CSS or text)."""


@dataclass(frozen=True, slots=True)
class Asset:
    name: str  # relative to the console folder, with "/" separators
    body: str
    content_type: str
    cache_control: str
    etag: str


def _asset(name: str, path: Path) -> Asset:
    body = path.read_text(encoding="utf-8")
    cache_control = LONG_CACHE if name.startswith(f"{VENDOR}/") else REVALIDATE
    return Asset(name, body, _TYPES[path.suffix], cache_control, _etag(body))


def _etag(body: str) -> str:
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


@cache
def catalogue() -> dict[str, Asset]:
    """Every servable file, by its name relative to the console folder (read once per process)."""
    assets = {}
    for path in sorted(CONSOLE_DIR.rglob("*")):
        if path.is_file() and path.suffix in _TYPES and not path.is_symlink():
            name = path.relative_to(CONSOLE_DIR).as_posix()
            assets[name] = _asset(name, path)
    return assets


def find(name: str) -> Asset | None:
    return catalogue().get(name)


def index_for(base_path: str) -> Asset:
    """index.html with `<base href>` set to the folder the browser asked for.

    API Gateway serves the API under a stage (`/api/console/`), `chalice local` at the root
    (`/console/`), and both strip a trailing slash before routing: with the base set from the path the
    browser used, the page's relative URLs resolve in every case.
    """
    page = catalogue()[INDEX]
    base = base_path if base_path.endswith("/") else base_path + "/"
    safe = "".join(c for c in base if c.isalnum() or c in "/-_.~%")  # a path, never markup
    body = page.body.replace('<base href="./">', f'<base href="{safe}">', 1)
    return Asset(page.name, body, page.content_type, page.cache_control, _etag(body))
