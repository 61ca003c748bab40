"""The autotuner (compiler/native/autotune.py): candidates timed on this adapter's model step, the fastest that
gives the same logits chosen, the choice cached per adapter and kernels, and --variant still overriding."""
from __future__ import annotations

import json

import pytest

from compiler.build import compile_model
from compiler.importers import load_model
from compiler.native import autotune
from compiler.native.engine import Engine, Sequence
from compiler.native.stage import LocalChain
from tests.conftest import unavailable
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def tuned_art(tmp_path_factory):
    """A tiny artifact whose rules offer every variant as a candidate on this adapter (lavapipe's rule is cpu)."""
    d = tmp_path_factory.mktemp("autotune")
    compile_model(load_model(make_tiny_llama(d)), d / "art", model_id="tiny", max_context=96, max_tokens=8)
    mpath = d / "art" / "manifest.json"
    m = json.loads(mpath.read_text())
    variants = sorted({v for k in m["kernels"].values() for v in k["variants"]})
    m["variant_choice"]["candidates"] = {v: variants for v in variants}
    mpath.write_text(json.dumps(m))
    return d / "art"


def tokens(chain) -> list[int]:
    engine = Engine(chain)
    s = engine.add(Sequence([3, 1, 4, 1, 5], 6, stop_at_eos=False))
    while not engine.idle:
        engine.step()
    return s.outputs


def test_candidates_are_timed_once_and_the_choice_is_cached(gpu, tuned_art, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBSHARD_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WEBSHARD_VARIANT", raising=False)
    base, cands = autotune.candidates(gpu, json.loads((tuned_art / "manifest.json").read_text()))
    assert cands[0] == base and len(cands) > 1
    first = LocalChain.load(tuned_art, slots=1, gpu=gpu, autotune=True)
    rec = first.autotune
    assert rec is not None and rec["choice"] in cands and set(rec["ms"]) | set(rec["rejected"]) == set(cands)
    assert first.ws.variant == rec["choice"]
    cache = json.loads((tmp_path / "autotune.json").read_text())
    assert [e["choice"] for e in cache.values()] == [rec["choice"]]
    again = LocalChain.load(tuned_art, slots=1, gpu=gpu, autotune=True)
    assert again.autotune is None and again.ws.variant == rec["choice"]   # read from the cache, nothing timed
    # The tuned chain computes what the rules' variant computes.
    assert tokens(again) == tokens(LocalChain.load(tuned_art, slots=1, gpu=gpu, variant=base))


def test_an_explicit_variant_is_never_tuned(gpu, tuned_art, tmp_path, monkeypatch):
    monkeypatch.setenv("WEBSHARD_CACHE_DIR", str(tmp_path))
    chain = LocalChain.load(tuned_art, slots=1, gpu=gpu, variant="gpu", autotune=True)
    assert chain.autotune is None and chain.ws.variant == "gpu"
    assert not (tmp_path / "autotune.json").exists()


def test_variants_that_decode_alike_are_told_apart_by_a_long_step(gpu, tmp_path, monkeypatch):
    """gpu and gpu_f16 share their decode programs: the tuner times both on a step long enough for their tiled
    GEMMs (whose f16 logits pass its looser check) and keeps the faster there."""
    if "shader-f16" not in gpu.device.features:
        unavailable("shader-f16", "gpu_f16 needs it (lavapipe has it)")
    compile_model(load_model(make_tiny_llama(tmp_path)), tmp_path / "art", model_id="tiny", max_context=96,
                  max_tokens=64)
    manifest = json.loads((tmp_path / "art" / "manifest.json").read_text())
    assert autotune.long_step_rows(manifest, ["gpu", "gpu_f16"], 64) == 64
    assert autotune.long_step_rows(manifest, ["gpu", "gpu_f16"], 63) == 0   # steps that short never tile
    assert autotune.long_step_rows(manifest, ["cpu"], 64) == 0   # no tiled programs
    monkeypatch.setattr(autotune, "TIE", 1e9)   # every candidate ties on decode, whatever this VM's noise
    chain = LocalChain.load(tmp_path / "art", slots=1, gpu=gpu, variant="gpu", autotune=False)
    rec = autotune.tune(chain, ["gpu", "gpu_f16"], repeats=1)
    assert rec["long_rows"] == 64 and not rec["rejected"]
    assert set(rec["long_ms"]) == {"gpu", "gpu_f16"}
    assert rec["choice"] == min(rec["long_ms"], key=rec["long_ms"].get) == chain.ws.variant


def test_a_candidate_whose_steps_fail_is_rejected_and_the_chain_keeps_working(gpu, tuned_art, monkeypatch):
    """A candidate that builds but whose step fails (a validation error at submit, say) is rejected like one that
    does not build, and the chain goes back to the variant it ran: the load does not fail for it."""
    chain = LocalChain.load(tuned_art, slots=1, gpu=gpu, variant="cpu", autotune=False)
    submit = chain.submit

    def failing(step, keep_logits=()):
        if chain.ws.variant == "gpu":
            raise RuntimeError("this step failed")
        return submit(step, keep_logits)

    monkeypatch.setattr(chain, "submit", failing)
    rec = autotune.tune(chain, ["cpu", "gpu", "cpu_sw"], repeats=1)
    assert rec["rejected"] == {"gpu": "RuntimeError: this step failed"}
    assert set(rec["ms"]) == {"cpu", "cpu_sw"} and rec["choice"] == chain.ws.variant != "gpu"
    monkeypatch.undo()
    assert tokens(chain) == tokens(LocalChain.load(tuned_art, slots=1, gpu=gpu, variant="cpu"))


def test_the_cache_key_covers_the_tiled_programs(gpu, tuned_art):
    """gpu and gpu_f16 decode with the same programs and differ in their tiled ones: a change to a tiled program
    alone must time the candidates again."""
    manifest = json.loads((tuned_art / "manifest.json").read_text())
    cands = sorted({v for k in manifest["kernels"].values() for v in k["variants"]})
    before = autotune.cache_key(gpu, tuned_art, manifest, cands)
    tiled = next(e["tiled"]["file"] for k in manifest["kernels"].values() for v, e in k["variants"].items()
                 if v in cands and "tiled" in e)
    src = (tuned_art / tiled).read_text()
    try:
        (tuned_art / tiled).write_text(src + "// changed\n")
        assert autotune.cache_key(gpu, tuned_art, manifest, cands) != before
    finally:
        (tuned_art / tiled).write_text(src)
    assert autotune.cache_key(gpu, tuned_art, manifest, cands) == before


def test_a_swarm_worker_tunes_its_probe_layer_among_the_f32_candidates(gpu, tuned_art, tmp_path, monkeypatch):
    """A native swarm worker times the candidates on its probe layer before it reports its capability, and loads its
    ranges with the choice; a second worker on this adapter reads it from the cache. Variants computing in f16 are
    not candidates: the coordinator's verifier compares a worker's activations with its own f32 run."""
    import argparse

    from compiler.native.worker import ArtifactMirror, Worker
    from server.app import ServerConfig, create_app
    from server.threaded import serve

    monkeypatch.setenv("WEBSHARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WEBSHARD_VARIANT", raising=False)
    manifest = json.loads((tuned_art / "manifest.json").read_text())
    cands = autotune.stage_candidates(gpu, manifest)
    assert cands[0] == autotune.candidates(gpu, manifest)[0] and "gpu_f16" not in cands and len(cands) > 1
    if "shader-f16" in gpu.device.features:   # lavapipe has it: the chain's tuner would time gpu_f16
        assert "gpu_f16" in autotune.candidates(gpu, manifest)[1]
    test = argparse.Namespace(memory_bytes=1 << 20, throttle_ms=0, corrupt=False)
    with serve(create_app(ServerConfig(artifacts_dir=tuned_art.parent))) as url:

        def worker() -> Worker:
            mirror = ArtifactMirror(f"{url}/artifacts/{tuned_art.name}/", tmp_path / "mirror")
            mirror.fetch_manifest()
            return Worker(mirror, None, test)

        first = worker()
        cap = first.capability({"unit": "layer.0", "steps": 2})
        rec = first.autotune
        assert rec is not None and set(rec["ms"]) | set(rec["rejected"]) == set(cands)
        assert cap["variant"] == rec["choice"] == first.variant and cap["layer_ms"] > 0
        first.load("layer.0", "layer.1", 1, None)
        assert first.stage.ws.variant == rec["choice"]
        second = worker()
        assert second.capability({"unit": "layer.0", "steps": 2})["variant"] == rec["choice"]
        assert second.autotune is None   # read from the cache, nothing timed
        forced = Worker(second.mirror, "cpu", test)
        assert forced.capability({"unit": "layer.0", "steps": 2})["variant"] == "cpu" and forced.autotune is None


def test_a_worker_times_again_when_its_cached_choice_is_gone_or_no_longer_builds(gpu, tuned_art, tmp_path,
                                                                                   monkeypatch):
    """tune_stage reads the cache only for a choice among its candidates that still builds; otherwise it times
    them again, and the new record replaces the old one (autotune.js tuneStage forgets it likewise)."""
    from compiler.native.stage import Stage

    monkeypatch.setenv("WEBSHARD_CACHE_DIR", str(tmp_path))
    cands = autotune.stage_candidates(gpu, json.loads((tuned_art / "manifest.json").read_text()))[:2]
    stage = Stage.load(tuned_art, "layer.0", "layer.0", slots=1, variant=cands[0], gpu=gpu)
    autotune.store_choice("k", {"choice": "a variant this artifact does not have"})
    rec = autotune.tune_stage(stage, cands, "k")
    assert rec is not None and set(rec["ms"]) == set(cands)
    use = stage.ws.use_variant
    use(cands[0])   # where the load leaves it: the rules' variant

    def failing(variant):
        if variant == cands[1]:
            raise RuntimeError("no longer builds")
        use(variant)

    monkeypatch.setattr(stage.ws, "use_variant", failing)
    autotune.store_choice("k", {"choice": cands[1]})
    rec = autotune.tune_stage(stage, cands, "k")
    assert rec is not None and rec["rejected"] == {cands[1]: "RuntimeError: no longer builds"}
    assert rec["choice"] == cands[0] == stage.ws.variant == autotune.cached_choice("k")
