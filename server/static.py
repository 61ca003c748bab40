"""Static files for the browser side: demos, runtime_js, vendored npm modules and compiled artifacts (server/app.py).

Browsers fetch weight shards here, so this module owns the caching contract: content-addressed shards are
`immutable` (a second page load must not touch the network), everything else is revalidated with an ETag.
Starlette's FileResponse does the byte work (Range -> 206/416, HEAD); this module adds path safety, MIME types,
cache headers and If-None-Match -> 304.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

# Shard file names change when their bytes change (the manifest lists each shard's sha256), so a year is safe.
IMMUTABLE = "public, max-age=31536000, immutable"
# Kernels, manifests and JS change on every rebuild under the same name: always revalidate (cheap with an ETag).
REVALIDATE = "no-cache"

# Explicit rather than mimetypes.guess_type: the system table varies between hosts and lacks .wgsl/.safetensors,
# and a module script served with a non-JavaScript type is refused by the browser.
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    # Registered with IANA for WGSL (2023); the runtime reads kernels with fetch().text(), which ignores the type.
    ".wgsl": "text/wgsl",
    ".txt": "text/plain",
    ".md": "text/plain",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
    ".safetensors": "application/octet-stream",
    ".bin": "application/octet-stream",
}


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def resolve_inside(root: Path, rel: str) -> tuple[Path, os.stat_result] | None:
    """The regular file that `rel` (a URL path, already percent-decoded) names under `root`, or None.

    Security: clients must never read outside `root`. We refuse, before touching the disk, anything that could
    climb or jump: `..` (also when it arrived as %2e%2e or ..%2f), absolute paths (an empty segment, as in
    `//etc/passwd`, would make the join absolute), backslashes, NUL bytes and dotfiles (.git, .env). Then, after
    resolving symlinks, the real path must still lie under the real root, so a symlink cannot lead outside either.
    """
    if not rel or "\x00" in rel or "\\" in rel:
        return None
    parts = rel.split("/")
    if any(part == "" or part.startswith(".") for part in parts):
        return None
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *parts))
    if os.path.commonpath([real_root, real]) != real_root:
        return None
    try:
        st = os.stat(real)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):  # directories, sockets, devices: nothing to serve
        return None
    return Path(real), st


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/"x" matches "x"."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or wanted in tags


def serve_file(request: Request, root: Path, rel: str, *, immutable: bool = False) -> Response:
    """GET/HEAD of `rel` under `root`, with Range, ETag revalidation and the cache policy for its kind.

    The ETag is Starlette's hash of size and mtime, not of the content: hashing a 32 MB shard per request (or
    keeping a hash cache, itself keyed on mtime) costs more than it buys, since the compiler rewrites a file whenever
    its content changes and shards, being immutable, are never revalidated anyway.
    """
    found = resolve_inside(root, rel)
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    path, st = found
    headers = {
        "cache-control": IMMUTABLE if immutable else REVALIDATE,
        "x-content-type-options": "nosniff",  # the browser must trust our MIME type, never sniff a shard as HTML
    }
    response = FileResponse(path, stat_result=st, media_type=media_type(path), headers=headers)
    if etag_matches(request.headers.get("if-none-match"), response.headers["etag"]):
        kept = ("etag", "cache-control", "last-modified")
        return Response(status_code=304, headers={k: response.headers[k] for k in kept})
    return response
