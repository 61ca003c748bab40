"""Fuzz: the static routes (server/static.py via server/app.py) never send a file from outside their roots.

Hypothesis builds raw request paths from segments that try to climb or jump (`..`, its percent-encoded, double-
encoded and overlong forms, NUL, backslashes, empty segments, dotfiles) and from names that exist, including
symlinks that lead out of the artifact directory. The app is called as an ASGI app with the raw path decoded as
uvicorn decodes it, so no HTTP client resolves `..` on the way. Every file that must stay private holds a marker
that no answer may contain; an answer of 200 must be the bytes of a file inside that route's root.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

import anyio
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from server.app import ServerConfig, create_app, vendor_packages
from tests.fuzz_settings import FUZZ
from tests.server_fakes import make_site

MARK = b"FORBIDDEN-c0ffee"  # in every file no route may serve

# URL prefix -> (root under the checkout, whether the next segment must name a dependency of package.json)
ROUTES = {"/demos/": ("demos", False), "/runtime_js/": ("runtime_js", False), "/vendor/": ("node_modules", True),
          "/artifacts/": ("build/models", False), "/scenes/": ("build/scenes", False)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz-static")
    root = make_site(base / "checkout")
    tiny = root / "build/models/tiny"
    private = {
        base / "above-the-checkout.txt": MARK,
        root / "outside/secret.json": MARK,  # escape.json in the artifact links here
        tiny / ".env": MARK,
        tiny / ".hidden/x.json": MARK,
        root / "node_modules/devtool/secret.js": MARK,  # in node_modules, but not a page dependency
        root / "package-lock.json": MARK,
    }
    for path, data in private.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (tiny / "linkdir").symlink_to(root / "outside")  # a directory link out of the root
    (tiny / "abs.json").symlink_to(base / "above-the-checkout.txt")
    (tiny / "loop.json").symlink_to(tiny / "loop.json")
    (root / "demos/up").symlink_to(root)  # inside the checkout, but out of /demos/'s root
    return root


@pytest.fixture(scope="module")
def app(site):
    return create_app(ServerConfig(root=site))


@pytest.fixture(scope="module")
def allowed(site) -> dict[str, set[bytes]]:
    return servable(site)


def servable(site: Path) -> dict[str, set[bytes]]:
    """Per route prefix, the contents of every file it may serve: regular files whose real path is under its root,
    no dotfiles, and for /vendor/ only the dependencies package.json names."""
    packages = vendor_packages(site)
    out = {}
    for prefix, (rel, vendor) in ROUTES.items():
        root = os.path.realpath(site / rel)
        found = set()
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            inside = Path(dirpath).relative_to(root).as_posix()
            if vendor and not any(f"{inside}/".startswith(p + "/") for p in packages):
                continue
            for f in filenames:
                real = os.path.realpath(Path(dirpath) / f)  # a symlink counts where it leads
                if not f.startswith(".") and os.path.commonpath([root, real]) == root and os.path.isfile(real):
                    found.add(Path(real).read_bytes())
        out[prefix] = found
    return out


async def call(app, method: str, raw_path: str) -> tuple[int, bytes, dict]:
    """One request straight into the ASGI app; `path` decoded from the raw target as uvicorn does."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": unquote(raw_path), "raw_path": raw_path.encode("ascii"),
             "root_path": "", "query_string": b"", "headers": [(b"host", b"127.0.0.1:8000")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    sent = {"status": None, "body": b"", "headers": {}}
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
            sent["headers"] = {k.decode("latin-1"): v.decode("latin-1") for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            sent["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return sent["status"], sent["body"], sent["headers"]


# Names that lead somewhere private when joined right (symlinks out, dotfiles, undeclared packages), drawn often.
ESCAPES = ["tiny", "linkdir", "escape.json", "abs.json", "secret.json", "up", "package-lock.json", "outside",
           "devtool", "secret.js", ".env", ".hidden", "x.json", "loop.json", "checkout", "above-the-checkout.txt"]
TRICKY = ["..", ".", "", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "..%2f", "%2e%2e%2f", "..%5c", "%5c..%5c", "\\",
          "..\\..", "%00", "x%00.json", "%c0%ae%c0%ae", "%252e%252e", "..;", "~", "%ff", "%2f", "/", "%2fetc%2fpasswd",
          "etc", "passwd"]
NAMES = ["alias.json", "manifest.json", "build", "models", "node_modules", "wgpu-matrix", "dist",
         "wgpu-matrix.module.js", "@huggingface", "jinja", "index.js", "chat.html", "app.js", "runtime.mjs", "cube",
         "scene.json", "kernels", "matmul.wgsl", "shard-00-3f2a.safetensors", "demos"]
noise = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/?#"), max_size=8)
segment = st.one_of(st.sampled_from(ESCAPES), st.sampled_from(TRICKY), st.sampled_from(ESCAPES + TRICKY),
                    st.sampled_from(NAMES), noise)
raw_paths = st.tuples(st.sampled_from([*ROUTES, "/artifacts/tiny/", "/vendor/wgpu-matrix/", "/", "//"]),
                      st.lists(segment, max_size=6)).map(lambda t: t[0] + "/".join(t[1]))
# Escapes that must be tried on every run, whatever Hypothesis draws.
KNOWN = ["/artifacts/tiny/escape.json", "/artifacts/tiny/linkdir/secret.json", "/artifacts/tiny/abs.json",
         "/artifacts/tiny/.env", "/artifacts/tiny/.hidden/x.json", "/demos/up/package-lock.json",
         "/artifacts/tiny/%2e%2e/%2e%2e/%2e%2e/outside/secret.json", "/artifacts/tiny/../../../outside/secret.json",
         "/vendor/wgpu-matrix/../devtool/secret.js", "/vendor/devtool/secret.js",
         "/scenes/cube/..%2f..%2f..%2fpackage-lock.json",
         "/demos//etc/passwd", "/runtime_js/%2fetc%2fpasswd", "/demos/..\\..\\package-lock.json",
         "/artifacts/tiny/loop.json"]


def with_known_escapes(test):
    for raw in KNOWN:
        test = example(raw_path=raw, method="GET")(test)
    return test


@FUZZ
@with_known_escapes
@given(raw_path=raw_paths, method=st.sampled_from(["GET", "HEAD"]))
def test_static_routes_never_leave_their_roots(app, allowed, raw_path, method):
    status, body, headers = anyio.run(call, app, method, raw_path)
    assert status in (200, 307, 400, 404, 405), (status, raw_path)
    if status == 307:  # Starlette adds or drops a trailing slash: an absolute URL on this server, never elsewhere
        assert headers["location"].startswith("http://127.0.0.1:8000/"), headers["location"]
    assert MARK not in body and b"root:x:0:0" not in body, raw_path
    prefix = next((p for p in ROUTES if unquote(raw_path).startswith(p)), None)
    if status == 200 and method == "GET" and prefix is not None:
        assert body in allowed[prefix], raw_path


def test_the_fuzzer_can_tell_a_served_file(site, app, allowed):
    # The oracle itself: a file inside the root is served and recognised; the escapes exist and are refused.
    status, body, _ = anyio.run(call, app, "GET", "/artifacts/tiny/alias.json")
    assert status == 200 and body in allowed["/artifacts/"] and MARK not in b"".join(allowed["/artifacts/"])
    assert (site / "build/models/tiny/linkdir/secret.json").read_bytes() == MARK
    for raw in KNOWN:
        assert anyio.run(call, app, "GET", raw)[0] in (400, 404), raw
