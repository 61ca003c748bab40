"""Static files for the browser side: demos, runtime_js, vendored npm modules and compiled artifacts (server/app.py).

Browsers fetch weight shards here, so this module owns the caching contract: content-addressed shards are
`immutable` (a second page load must not touch the network), everything else is revalidated with an ETag.
Starlette's FileResponse does the byte work (Range -> 206/416, HEAD); this module adds path safety, MIME types,
cache headers, If-None-Match -> 304, and the Range policy of RFC 9110 that Starlette lacks (`normalize_range`).
"""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

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


# Ranges in one request. runtime_js fetches whole files; a resumed download needs one range. RFC 9110 (section
# 17.15) lets a server ignore sets of many small ranges, which cost a multipart header each and so amplify a short
# request into a long answer (Starlette alone allows 100).
MAX_RANGES = 16
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")  # int-range "first-[last]" or suffix-range "-length" (14.1.1)


def _position(digits: str) -> int:
    # 1*DIGIT has no upper bound; anything past 18 digits is past every file, and int() refuses 4300+ digits.
    return int(digits) if len(digits) <= 18 else 10**18


def normalize_range(header: str, size: int) -> str | None:
    """The Range header FileResponse should see for a file of `size` bytes, or None to send the whole file (200).

    RFC 9110 section 14.2: a Range with a unit other than bytes must be ignored, and an invalid one (`bytes=5-1`,
    `abc`, `bytes=`) may be; Starlette answers both with 400, so they are dropped here. So are sets of more than
    MAX_RANGES ranges and sets with overlapping ranges (section 17.15: a broken client or an attack). A valid set is
    rewritten in Starlette's simplest terms (absolute, ascending, unsatisfiable parts left out); a set of which no
    part is satisfiable becomes `bytes=<size>-`, which Starlette answers with 416, as the RFC asks.
    """
    unit, eq, spec = header.partition("=")
    if not eq or unit.lower() != "bytes":  # the grammar allows no whitespace around "="
        return None
    parts = [p.strip(" \t") for p in spec.split(",")]
    parts = [p for p in parts if p]  # empty list elements are allowed and ignored (RFC 9110 section 5.6.1)
    if not parts or len(parts) > MAX_RANGES:
        return None
    ranges = []
    for part in parts:
        m = _RANGE_SPEC.fullmatch(part)
        if m is None or m.groups() == ("", ""):
            return None
        first, last = m.groups()
        if first:
            start = _position(first)
            if last and _position(last) < start:
                return None  # invalid, not unsatisfiable (14.1.1)
            end = _position(last) if last else size - 1
        else:
            start, end = max(size - _position(last), 0), size - 1
        if start < size and start <= end:  # a suffix of 0 bytes, or any range of an empty file, selects nothing
            ranges.append((start, min(end, size - 1)))
    if not ranges:
        return f"bytes={size}-"
    ranges.sort()
    if any(nxt[0] <= prev[1] for prev, nxt in zip(ranges, ranges[1:])):
        return None
    return "bytes=" + ",".join(f"{a}-{b}" for a, b in ranges)


class RangeCheckedFileResponse(FileResponse):
    """A FileResponse that sees the request's Range header only as `normalize_range` rewrote it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        values = [v for k, v in scope["headers"] if k == b"range"]
        if values:
            # Range is a singleton field: two of them are as invalid as one malformed one.
            size = self.stat_result.st_size if self.stat_result is not None else os.stat(self.path).st_size
            rewritten = normalize_range(values[0].decode("latin-1"), size) if len(values) == 1 else None
            headers = [(k, v) for k, v in scope["headers"] if k != b"range"]
            if rewritten is not None:
                headers.append((b"range", rewritten.encode("latin-1")))
            scope = {**scope, "headers": headers}
        await super().__call__(scope, receive, send)


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
    response = RangeCheckedFileResponse(path, stat_result=st, media_type=media_type(path), headers=headers)
    if etag_matches(request.headers.get("if-none-match"), response.headers["etag"]):
        kept = ("etag", "cache-control", "last-modified")
        return Response(status_code=304, headers={k: response.headers[k] for k in kept})
    return response
