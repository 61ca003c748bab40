"""server/static.py and the static routes of server/app.py: MIME types, caching, Range, ETag and path safety."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from server.app import ServerConfig, create_app
from server.static import IMMUTABLE, MAX_RANGES, normalize_range, resolve_inside
from tests.server_fakes import make_site
from tests.static_site import serve as live_server

SHARD = "/artifacts/tiny/shard-00-3f2a.safetensors"
SHARD_BYTES = bytes(range(256)) * 4


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path)


@pytest.fixture
def app(site):
    return create_app(ServerConfig(root=site))


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def test_index_links_demos_and_models(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'href="/demos/chat.html"' in r.text
    assert 'href="/artifacts/tiny/manifest.json"' in r.text
    assert "cube" in r.text


@pytest.mark.parametrize("url, media_type", [
    ("/demos/chat.html", "text/html; charset=utf-8"),
    ("/demos/app.js", "text/javascript; charset=utf-8"),
    ("/runtime_js/runtime.mjs", "text/javascript; charset=utf-8"),
    ("/artifacts/tiny/kernels/matmul.wgsl", "text/wgsl; charset=utf-8"),
    ("/artifacts/tiny/manifest.json", "application/json"),
    (SHARD, "application/octet-stream"),
    ("/artifacts/tiny/tokenizer.bin", "application/octet-stream"),
    ("/vendor/wgpu-matrix/dist/wgpu-matrix.module.js", "text/javascript; charset=utf-8"),
    ("/vendor/@huggingface/jinja/dist/index.js", "text/javascript; charset=utf-8"),
    ("/scenes/cube/scene.json", "application/json"),
])
def test_media_types(client, url, media_type):
    r = client.get(url)
    assert r.status_code == 200, url
    assert r.headers["content-type"] == media_type
    assert r.headers["x-content-type-options"] == "nosniff"


def test_shards_are_immutable_and_the_rest_revalidates(client):
    shard = client.get(SHARD)
    assert shard.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert shard.content == SHARD_BYTES
    manifest = client.get("/artifacts/tiny/manifest.json")
    assert manifest.headers["cache-control"] == "no-cache"
    assert manifest.headers["etag"].startswith('"')


@pytest.mark.parametrize("if_none_match, status", [
    ("{etag}", 304), ("W/{etag}", 304), ('"other", {etag}', 304), ("*", 304), ('"other"', 200),
])
def test_if_none_match(client, if_none_match, status):
    etag = client.get("/artifacts/tiny/manifest.json").headers["etag"]
    r = client.get("/artifacts/tiny/manifest.json", headers={"if-none-match": if_none_match.format(etag=etag)})
    assert r.status_code == status
    if status == 304:
        assert r.content == b"" and r.headers["etag"] == etag and r.headers["cache-control"] == "no-cache"


def test_etag_changes_with_the_file(client, site):
    before = client.get("/artifacts/tiny/manifest.json").headers["etag"]
    (site / "build/models/tiny/manifest.json").write_text('{"format_version": 2, "shards": []}')
    assert client.get("/artifacts/tiny/manifest.json").headers["etag"] != before


@pytest.mark.parametrize("range_header, start, end", [
    ("bytes=0-9", 0, 9), ("bytes=1000-", 1000, 1023), ("bytes=-4", 1020, 1023), ("bytes=512-99999", 512, 1023),
])
def test_range_requests(client, range_header, start, end):
    r = client.get(SHARD, headers={"range": range_header})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {start}-{end}/1024"
    assert r.content == SHARD_BYTES[start:end + 1]
    assert r.headers["cache-control"] == IMMUTABLE


def test_unsatisfiable_range_is_416(client):
    r = client.get(SHARD, headers={"range": "bytes=5000-6000"})
    assert r.status_code == 416
    assert r.headers["content-range"] == "bytes */1024"


@pytest.mark.parametrize("range_header", [
    "bytes=5-1", "abc", "items=0-1", "items=", "bytes=", "bytes=,", "bytes=-", "bytes=a-b", "bytes = 0-1",
    "bytes=0-1;x", "bytes=1_0-20", "bytes=+1-2", "bytes=0x10-20", "bytes=0-1,5-1",
    "bytes=0-10,5-20", "bytes=0-1,0-1", "bytes=-100,1000-",  # overlapping: amplification (RFC 9110 17.15)
    "bytes=" + ",".join(f"{2 * i}-{2 * i}" for i in range(MAX_RANGES + 1)),
    "bytes=" + ",".join(f"{i}-{i}" for i in range(1000)),
])
def test_invalid_or_amplifying_ranges_get_the_whole_file(client, range_header):
    # RFC 9110 14.2: an invalid Range (or another unit) is ignored, not an error; Starlette alone answered 400.
    r = client.get(SHARD, headers={"range": range_header})
    assert r.status_code == 200
    assert r.content == SHARD_BYTES and "content-range" not in r.headers


def test_two_range_headers_get_the_whole_file(client):
    r = client.get(SHARD, headers=[("range", "bytes=0-1"), ("range", "bytes=2-3")])
    assert r.status_code == 200 and r.content == SHARD_BYTES


@pytest.mark.parametrize("range_header, start, end", [
    ("BYTES=0-9", 0, 9),  # the unit is case-insensitive
    ("bytes=0-1,5000-6000", 0, 1),  # the satisfiable part is served; Starlette alone answered 416
    ("bytes=0-" + "9" * 5000, 0, 1023),  # more digits than Python's int() takes: still "to the end"
    ("bytes=-" + "9" * 40, 0, 1023),
    ("bytes= 3-4 ,", 3, 4),
])
def test_unusual_but_valid_ranges(client, range_header, start, end):
    r = client.get(SHARD, headers={"range": range_header})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {start}-{end}/1024"
    assert r.content == SHARD_BYTES[start:end + 1]


def test_up_to_max_ranges_are_served_as_multipart(client):
    header = "bytes=" + ",".join(f"{10 * i}-{10 * i + 1}" for i in reversed(range(MAX_RANGES)))
    r = client.get(SHARD, headers={"range": header})
    assert r.status_code == 206 and r.headers["content-type"].startswith("multipart/byteranges")
    assert r.content.count(b"Content-Range: bytes ") == MAX_RANGES


@pytest.mark.parametrize("range_header", ["bytes=-0", "bytes=1024-", "bytes=5000-6000,2000-"])
def test_nothing_satisfiable_is_416(client, range_header):
    r = client.get(SHARD, headers={"range": range_header})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */1024"


def test_if_range_mismatch_ignores_even_an_unsatisfiable_range(client):
    r = client.get(SHARD, headers={"range": "bytes=5000-", "if-range": '"another-etag"'})
    assert r.status_code == 200 and r.content == SHARD_BYTES


def test_normalize_range():
    assert normalize_range("bytes=10-19,0-4", 100) == "bytes=0-4,10-19"  # ascending, as Starlette expects
    assert normalize_range("bytes=-10", 100) == "bytes=90-99"
    assert normalize_range("bytes=0-", 0) == "bytes=0-"  # an empty file: 416
    assert normalize_range("bytes=5-1", 100) is None


def test_head_sends_headers_only(client):
    r = client.head(SHARD)
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-length"] == "1024" and r.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize("url", [
    "/artifacts/tiny/%2e%2e/%2e%2e/%2e%2e/package.json",  # encoded dot segments
    "/artifacts/tiny/..%2f..%2f..%2fpackage.json",  # encoded slashes
    "/artifacts/%2e%2e/%2e%2e/package.json",  # the model id itself climbing
    "/demos//etc/passwd",  # an empty segment would make the joined path absolute
    "/demos/%2fetc%2fpasswd",
    "/artifacts/tiny//etc/passwd",
    "/demos/%2e%2e/package.json",
    "/demos/..%5c..%5cpackage.json",  # backslash separators
    "/artifacts/tiny/escape.json",  # a symlink that leads outside the artifact directory
    "/artifacts/tiny/.env",  # dotfiles are never served
    "/artifacts/tiny/%00manifest.json",
    "/artifacts/tiny/kernels",  # a directory
    "/artifacts/missing/manifest.json",
    "/vendor/devtool/secret.js",  # in node_modules but not a page dependency
    "/vendor/wgpu-matrix",
])
def test_no_escape_and_no_listing(client, url):
    assert client.get(url).status_code == 404


def test_resolve_inside_rejects_raw_dot_segments(site):
    root = site / "build/models"
    assert resolve_inside(root, "tiny/manifest.json") is not None
    for rel in ("tiny/../../../package.json", "../models/tiny/manifest.json", "/etc/passwd", "tiny/./manifest.json"):
        assert resolve_inside(root, rel) is None, rel


def test_symlink_within_the_root_is_served(client):
    assert client.get("/artifacts/tiny/alias.json").json()["format_version"] == 1


def test_raw_dot_segments_over_a_real_socket(app):
    # HTTP clients normalize "/a/../b" before sending; a raw socket sends it as an attacker would.
    with live_server(app) as url:
        host, port = urlsplit(url).hostname, urlsplit(url).port
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(b"GET /artifacts/tiny/../../../package.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            status_line = s.makefile("rb").readline()
    assert b" 404 " in status_line


def test_request_counts_per_path(client, app):
    client.get(SHARD)
    client.get(SHARD, headers={"range": "bytes=0-1"})
    client.get("/artifacts/tiny/manifest.json")
    assert app.state.request_counts[SHARD] == 2
    assert app.state.request_counts["/artifacts/tiny/manifest.json"] == 1


def test_request_counts_stay_bounded(client, app):
    # Keyed by client-chosen URLs, the table would grow forever: only files that exist under /artifacts/ count.
    for i in range(5):
        client.get(f"/artifacts/tiny/made-up-{i}.json")
    client.get("/demos/chat.html")
    client.get("/v1/models")
    client.get("/artifacts/tiny/manifest.json", headers={"if-none-match": "*"})  # a 304 still costs a round trip
    assert dict(app.state.request_counts) == {"/artifacts/tiny/manifest.json": 1}


def test_static_routes_refuse_writes(client):
    assert client.post("/artifacts/tiny/manifest.json").status_code == 405


def test_artifacts_dir_override(site, tmp_path):
    other = tmp_path / "elsewhere" / "m2"
    other.mkdir(parents=True)
    (other / "manifest.json").write_text('{"format_version": 1}')
    with TestClient(create_app(ServerConfig(root=site, artifacts_dir=other.parent))) as c:
        assert c.get("/artifacts/m2/manifest.json").status_code == 200
        assert c.get("/artifacts/tiny/manifest.json").status_code == 404


def test_loopback_server_refuses_foreign_host_names(tmp_path):
    """DNS rebinding: a page whose domain resolves to 127.0.0.1 must not reach the API or the files."""
    from starlette.testclient import TestClient

    from server.app import ServerConfig, create_app
    from tests.server_fakes import make_site

    app = create_app(ServerConfig(root=make_site(tmp_path), loopback_only=True))
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
        assert client.get("/", headers={"host": "[::1]:8000"}).status_code == 200  # tests/test_server_access.py
        assert client.get("/", headers={"host": "evil.example:8000"}).status_code == 400
