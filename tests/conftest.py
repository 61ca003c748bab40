"""Test tiers: most tests need no adapter; those marked `gpu` need one and must find it in CI (lavapipe)."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def gpu():
    from compiler.gpu import NoAdapterError, get_gpu

    try:
        g = get_gpu()
    except NoAdapterError as e:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have a WebGPU adapter (lavapipe): {e}")
        pytest.skip(str(e))
    if os.environ.get("CI") and not g.is_cpu and "llvmpipe" not in g.name:
        # CI machines have no GPU: anything but lavapipe means the environment is not what we think.
        pytest.fail(f"CI expected lavapipe, got {g.name}")
    return g


@pytest.fixture(scope="session")
def smollm2_artifact(tmp_path_factory):
    """The bundled SmolLM2-135M-Instruct compiled once per test session: (artifact dir, manifest)."""
    from compiler.build import compile_source

    out = tmp_path_factory.mktemp("smollm2")
    manifest, _ = compile_source("smollm2", out)
    return out, manifest
