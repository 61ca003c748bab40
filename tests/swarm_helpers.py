"""A swarm on loopback for tests: a tiny artifact, a live server with a coordinator, and worker processes.

Used by tests/test_swarm_native.py (native workers, `webshard worker` in subprocesses) and the browser swarm tests
(tabs on demos/worker.html). Nothing here asserts; it starts, waits and reports.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.static_site import serve

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-join-token"


def compile_tiny(out_dir: Path, *, layers: int = 4, context: int = 64, step: int = 8, seed: int = 0):
    """A tiny llama artifact under out_dir/models/tiny; returns (imported model, artifact dir)."""
    from compiler.build import compile_model
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    model = load_model(make_tiny_llama(out_dir / f"src{seed}", layers=layers, context=max(context, 128), seed=seed))
    art = out_dir / "models" / "tiny"
    compile_model(model, art, model_id="tiny", max_context=context, max_tokens=step, progress=False)
    return model, art


@contextlib.contextmanager
def swarm_server(artifact: Path, **coordinator_kw):
    """A live server on 127.0.0.1 answering the API only through the swarm; yields (url, coordinator)."""
    from server.app import ServerConfig, create_app
    from server.swarm.backend import RoutingBackend, SwarmBackend
    from server.swarm.coordinator import Coordinator

    coordinator_kw.setdefault("slots", 2)
    # Tiny models cost next to nothing per layer: without a hop cost and slack, the planner uses every worker that
    # shortens the slowest stage at all, so tests get the multi-stage pipelines they are about.
    coordinator_kw.setdefault("hop_ms", 0.0)
    coordinator_kw.setdefault("slack", 0.0)
    coord = Coordinator(artifact, token=TOKEN, **coordinator_kw)
    backend = RoutingBackend(None, SwarmBackend(coord), swarm_only=True)
    app = create_app(ServerConfig(artifacts_dir=artifact.parent), backend, swarm=coord)
    try:
        with serve(app) as url:
            yield url, coord
    finally:
        backend.close()


def start_worker(url: str, cache: Path, *flags: str, name: str = "") -> subprocess.Popen:
    """`webshard worker` in a subprocess (its own process, as on another machine); stderr goes to a log file."""
    cache.mkdir(parents=True, exist_ok=True)
    log = open(cache / "worker.log", "w")
    return subprocess.Popen([sys.executable, "-m", "compiler.cli", "worker", "--server", url, "--token", TOKEN,
                             "--cache-dir", str(cache), "--name", name or cache.name, *flags],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=log, stderr=log)


def status(url: str) -> dict:
    with urllib.request.urlopen(url + "/v1/swarm", timeout=30) as r:
        return json.loads(r.read())


def wait_for(url: str, predicate, timeout: float = 180, what: str = "the swarm") -> dict:
    deadline = time.monotonic() + timeout
    st = status(url)
    while not predicate(st):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout:.0f} s; state: "
                                 f"{json.dumps({k: st[k] for k in ('ready', 'workers', 'pipelines', 'events')})[:3000]}")
        time.sleep(0.25)
        st = status(url)
    return st


def ready_with(n_workers: int):
    """Predicate: a ready swarm whose pipelines use n_workers workers, all ready."""
    def check(st: dict) -> bool:
        used = [s["worker"] for p in st["pipelines"] for s in p["stages"]]
        states = {w["id"]: w["state"] for w in st["workers"]}
        return st["ready"] and len(used) == n_workers and all(states.get(w) == "ready" for w in used)
    return check


def stop(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=30)
