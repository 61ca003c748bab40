"""A throwaway static server with the real server's URL layout, for browser tests of pages and runtime_js/.

    /demos/<file>        -> demos/
    /runtime_js/<file>   -> runtime_js/
    /vendor/<pkg path>   -> node_modules/
    /scenes/<id>/<file>  -> <scenes_dir>/<id>/  (compiled scene artifacts)

The real app (server/) serves the same paths; this stays small so scene tests do not depend on it.
"""
from __future__ import annotations

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


from server.threaded import serve  # noqa: E402,F401 - re-exported: tests import it from here
