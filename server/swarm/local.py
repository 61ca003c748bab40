"""A swarm on this machine: a server with a coordinator on loopback and `webshard worker` processes.

The swarm benchmark (server/swarm/bench.py) and the swarm tests (tests/swarm_helpers.py) start swarms with this.
Nothing here asserts; it starts, waits and reports.
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

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "local-join-token"


@contextlib.contextmanager
def swarm_server(artifact: Path, *, token: str = TOKEN, **coordinator_kw):
    """A live server on 127.0.0.1 answering the API only through the swarm; yields (url, coordinator)."""
    from server.app import ServerConfig, create_app
    from server.swarm.backend import RoutingBackend, SwarmBackend
    from server.swarm.coordinator import Coordinator
    from server.threaded import serve

    coordinator_kw.setdefault("slots", 2)
    coord = Coordinator(artifact, token=token, **coordinator_kw)
    backend = RoutingBackend(None, SwarmBackend(coord), swarm_only=True)
    app = create_app(ServerConfig(artifacts_dir=artifact.parent), backend, swarm=coord)
    try:
        with serve(app) as url:
            yield url, coord
    finally:
        backend.close()


def start_worker(url: str, cache: Path, *flags: str, name: str = "", token: str = TOKEN) -> subprocess.Popen:
    """`webshard worker` in a subprocess (its own process, as on another machine); its output goes to a log."""
    cache.mkdir(parents=True, exist_ok=True)
    log = open(cache / "worker.log", "w")
    return subprocess.Popen([sys.executable, "-m", "compiler.cli", "worker", "--server", url, "--token", token,
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
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s; state: "
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
