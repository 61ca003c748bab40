"""A throwaway static server with the real server's URL layout, for browser tests of pages and runtime_js/.

    /demos/<file>        -> demos/
    /runtime_js/<file>   -> runtime_js/
    /vendor/<pkg path>   -> node_modules/
    /scenes/<id>/<file>  -> <scenes_dir>/<id>/  (compiled scene artifacts)

The real app (server/) serves the same paths; this stays small so scene tests do not depend on it.
"""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def static_app(scenes_dir: Path):
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    vendor = ROOT / "node_modules"
    if not (vendor / "wgpu-matrix").is_dir():
        pytest.fail("node_modules/wgpu-matrix is missing: run `npm install` (make setup does it)")
    return Starlette(routes=[
        Mount("/demos", StaticFiles(directory=ROOT / "demos")),
        Mount("/runtime_js", StaticFiles(directory=ROOT / "runtime_js")),
        Mount("/vendor", StaticFiles(directory=vendor)),
        Mount("/scenes", StaticFiles(directory=scenes_dir)),
    ])


@contextlib.contextmanager
def serve(app):
    """Run `app` with uvicorn on 127.0.0.1 (a free port) in a daemon thread; yield its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("static test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
