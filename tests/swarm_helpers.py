"""Swarm test helpers: a tiny artifact, and a swarm on loopback (server/swarm/local.py) tuned for tiny models."""
from __future__ import annotations

import contextlib
from pathlib import Path

from server.swarm import local
from server.swarm.local import TOKEN, ready_with, start_worker, status, stop  # noqa: F401 - re-exported


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
    # Tiny models cost next to nothing per layer: without a hop cost and slack, the planner uses every worker that
    # shortens the slowest stage at all, so tests get the multi-stage pipelines they are about.
    coordinator_kw.setdefault("hop_ms", 0.0)
    coordinator_kw.setdefault("slack", 0.0)
    with local.swarm_server(artifact, **coordinator_kw) as served:
        yield served


def wait_for(url: str, predicate, timeout: float = 180, what: str = "the swarm") -> dict:
    try:
        return local.wait_for(url, predicate, timeout, what)
    except TimeoutError as e:
        raise AssertionError(str(e)) from None
