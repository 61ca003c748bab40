"""`webshard bench`, `webshard bench --browser` and `webshard bench --dawn` on a tiny llama: all run end to end and report the same figures
in the same JSON shape, so browser vs native is one comparison. Nothing here checks a speed, only that every
figure is measured (present, positive where it is a rate) and counts agree with the artifact."""
from __future__ import annotations

import json
import shutil

import pytest

from compiler.build import compile_model
from compiler.importers import load_model
from compiler.native.bench import main as bench_main
from tests.browser import CHROMIUM
from tests.conftest import unavailable
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("bench")
    # Context above 64: the step profile decodes at position 64, as on the real model.
    compile_model(load_model(make_tiny_llama(d)), d / "tiny-bench", model_id="tiny-bench", max_context=128,
                  max_tokens=8, progress=False)
    return d / "tiny-bench"


def dispatches_per_token(art) -> dict[str, int]:
    """The compiler's count of a decode token's dispatches per variant (manifest stats)."""
    return json.loads((art / "manifest.json").read_text())["stats"]["dispatches_per_decode_token_by_variant"]


def check_run(run: dict, art, prefill: list[int], contexts: list[int], repeats: int = 1) -> None:
    assert [p["tokens"] for p in run["prefill"]] == prefill
    assert all(p["tok_s"] > 0 and p["ttft_ms"] > 0 for p in run["prefill"]), run["prefill"]
    # Each prefill figure is the median of `repeats` cold prompts, all reported.
    assert all(len(p["runs_ttft_ms"]) == repeats and min(p["runs_ttft_ms"]) <= p["ttft_ms"] <= max(p["runs_ttft_ms"])
               for p in run["prefill"]), run["prefill"]
    assert [d["context"] for d in run["decode"]] == contexts
    assert all(d["tok_s"] > 0 for d in run["decode"]), run["decode"]
    step = run["step"]
    assert step["dispatches"] == dispatches_per_token(art)[run["variant"]]
    assert (step["passes"], step["submits"]) == (1, 1)
    assert step["cpu_encode_submit_ms"] > 0
    if "gpu_kernels_ms" in step:   # timestamp queries: per kernel, and matmul bandwidth against the copy probe
        assert step["gpu_step_ms"] > 0 and set(step["gpu_kernels_ms"]) >= {"matmul", "attention", "sample"}
        assert step["matmul_gb_s"] > 0 and step["copy_gb_s"] > 0
        # Both probes and the largest matmul, from either runtime: their ratios compare across runtimes.
        assert step["copy_gb_s"] == max(step["copy_buffer_gb_s"], step["copy_kernel_gb_s"])
        assert step["largest_matmul"]["gb_s"] > 0 and step["largest_matmul"]["kernel"] in step["gpu_kernel_names_ms"]
        # One prompt step of the longest prefill length (at most a step's rows), whole and per kind of kernel.
        ps = run["prefill_step"]
        max_rows = json.loads((art / "manifest.json").read_text())["limits"]["max_tokens_per_step"]
        assert ps["rows"] == min(max(prefill), max_rows) and ps["gpu_step_ms"] > 0 and {"matmul", "attention"} <= set(ps["gpu_kernels_ms"])


def test_native_bench_measures_every_figure(gpu, tiny, tmp_path):
    out = tmp_path / "bench.json"
    assert bench_main(["--artifact", str(tiny), "--prefill", "4,12", "--contexts", "8,70", "--batch", "1,2",
                       "--decode-tokens", "3", "--repeats", "2", "--split", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["model"]["id"] == "tiny-bench" and result["device"]["adapter"] == gpu.name
    (run,) = result["runs"]
    check_run(run, tiny, [4, 12], [8, 70], repeats=2)
    assert [b["batch"] for b in run["batch"]] == [1, 2] and all(b["tok_s"] > 0 for b in run["batch"])
    assert run["split"]["local"] > 0 and run["split"]["relay"] > 0
    assert len(run["split"]["relay_bytes_per_token_per_hop"]) == 1
    assert result["targets"] and all({"what", "target", "met"} <= set(t) for t in result["targets"])


def test_browser_bench_gives_the_same_json(gpu, tiny):
    from compiler.browser_bench import run_browser_bench

    if not shutil.which(CHROMIUM):
        unavailable("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    result = run_browser_bench(tiny, prefill=(4,), contexts=(8,), batch=(1,), decode_tokens=3, timeout_s=600)
    (run,) = result["runs"]
    assert run["variant"] == "cpu_sw", "SwiftShader runs its variant by the manifest's rules"
    check_run(run, tiny, [4], [8])
    assert result["chat"]["tokens"] > 0 and result["chat_ttft_s"] > 0
    assert result["page_ready_s"] > 0


def test_dawn_bench_gives_the_same_json(gpu, tiny, dawn_vulkan):
    """The browser runtime in node on Dawn's Vulkan backend."""
    from compiler.browser_bench import run_dawn_bench

    if not shutil.which("node"):
        unavailable("node", "node is missing")
    result = run_dawn_bench(tiny, prefill=(4,), contexts=(8,), batch=(1, 2), decode_tokens=3, repeats=2,
                            timeout_s=600)
    assert (result["device"]["type"], result["device"]["backend"]) == ("Dawn (node)", "Vulkan")
    (run,) = result["runs"]
    check_run(run, tiny, [4], [8], repeats=2)
    assert [b["batch"] for b in run["batch"]] == [1]   # one slot: the bench loads the model as the chat page does
    assert result["chat"]["tokens"] > 0 and result["chat_ttft_s"] > 0 and result["page_ready_s"] > 0
