"""The autotuner: which of an artifact's candidate kernel variants runs fastest on this adapter, measured once.

manifest variant_choice (rules -> a variant, `candidates` -> the variants worth timing against it) -> **tune**, at a
chain's first load on this adapter: each candidate runs the model's own decode step on its own weights (timestamp
queries where the adapter has them), must give the logits of the rule's variant, and the fastest wins (candidates
that decode alike: the fastest on a long step, where their tiled programs differ) -> cached
per adapter, driver and kernel sources in the user's cache dir (autotune.json), so later loads read the choice and
build only its pipelines. `--variant` / WEBSHARD_VARIANT still override; WEBSHARD_AUTOTUNE=0 turns it off.
A swarm worker tunes its probe stage the same way before it reports its capability (tune_stage), among the
candidates that compute in f32.
"""
from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

from ..manifest import program_files, tiled_entries
from .batch import Output, Row, Step
from .gpu import Gpu, choose_variant, usable_variants
from .stage import step_input


def cache_file() -> Path:
    root = os.environ.get("WEBSHARD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "webshard")
    return Path(root) / "autotune.json"


def enabled() -> bool:
    return os.environ.get("WEBSHARD_AUTOTUNE", "1") not in ("0", "false", "no", "off")


def candidates(gpu: Gpu, manifest: dict) -> tuple[str, list[str]]:
    """The rules' variant for this adapter and the candidates worth timing against it (usable ones, rule first)."""
    usable = usable_variants(gpu, manifest)
    choice = manifest["variant_choice"]
    base = choose_variant(choice, gpu.description, available=usable)
    cands = [base] + [v for v in choice.get("candidates", {}).get(base, []) if v in usable and v != base]
    return base, cands


def cache_key(gpu: Gpu, artifact: Path, manifest: dict, cands: list[str]) -> str:
    """Adapter, driver and the WGSL of the candidates: a driver update or a kernel change times them again."""
    h = hashlib.sha256()
    info = gpu.info
    for part in (gpu.description, gpu.backend, str(info.get("vendor_id", "")), str(info.get("device_id", "")),
                 str(info.get("driver", "")), str(info.get("driver_info", "")), ",".join(cands)):
        h.update(part.encode() + b"\0")
    for name in sorted(manifest["kernels"]):
        for v in cands:
            e = manifest["kernels"][name]["variants"].get(v)
            for f in program_files(e) if e else []:   # gpu and gpu_f16 differ only in their tiled programs
                h.update((artifact / f).read_bytes())
    return h.hexdigest()[:32]


def cached_choice(key: str) -> str | None:
    try:
        entry = json.loads(cache_file().read_text()).get(key)
    except (OSError, ValueError, AttributeError):
        return None
    return entry.get("choice") if isinstance(entry, dict) else None


def store_choice(key: str, record: dict) -> None:
    path = cache_file()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data[key] = record
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(path)
    except OSError:
        pass   # a read-only home: tune again next time rather than fail the load


# Candidates whose decode steps are within this fraction of the fastest are told apart by a long step: gpu and
# gpu_f16 share their decode programs (compiler/kernels.py), so their decode times differ only by noise (about 1%
# with timestamp queries on an H200) and only their long steps' tiled programs differ.
TIE = 0.02


def tune(chain, cands: list[str], *, repeats: int = 7, position: int | None = None) -> dict:
    """Time one decode step of `chain` with each candidate variant (its pipelines built against the stages' bind
    group layouts, so the loaded weights and buffers serve every candidate). A candidate whose logits differ from
    the first's by more than float rounding is rejected. Candidates that decode alike are then timed on a long
    step (the rows from which their last tiled programs run; gpu_f16's f16 GEMM rounds its logits more, so that check
    is looser). Leaves the chain on the winner."""
    ws = chain.ws
    pos = min(ws.context - 1, 128 if position is None else position)
    decode = Step([Row(0, pos, token=1)], [Output(0)])
    record = {"ms": {}, "rejected": {}, "timer": "timestamp" if "timestamp-query" in ws.device.features else "wall",
              "position": pos}
    t_start = time.perf_counter()
    record["ms"] = _time_candidates(chain, cands, decode, repeats, record["rejected"], rtol=1e-3)
    choice = min(record["ms"], key=record["ms"].get) if record["ms"] else cands[0]
    tied = [v for v, ms in record["ms"].items() if ms <= record["ms"][choice] * (1 + TIE)]
    rows = long_step_rows(ws.manifest, tied, min(chain.max_rows, ws.context))
    if len(tied) > 1 and rows:
        long = Step([Row(0, i, token=1 + i % 7) for i in range(rows)], [Output(rows - 1)])
        record["long_rows"] = rows
        record["long_ms"] = _time_candidates(chain, tied, long, 3, record["rejected"], rtol=2e-2)
        if record["long_ms"]:
            choice = min(record["long_ms"], key=record["long_ms"].get)
    try:
        ws.use_variant(choice)
    except Exception as e:  # noqa: BLE001 - it built a moment ago; if not now, the rules' variant, which the load built
        record["rejected"][choice] = _reason(e)
        choice = cands[0]
        ws.use_variant(choice)
    record["choice"] = choice
    record["seconds"] = time.perf_counter() - t_start
    return record


class StageTrial:
    """A lone stage, as tune() times a chain (autotune.js StageTrial): each step is fed the same pseudo-random
    activations (stage.step_input), and its output rows are what the candidates must agree on. A swarm worker's
    probe unit is one layer: it has no logits, and its neighbours' stages run elsewhere."""

    def __init__(self, stage):
        self.stage, self.ws, self.stages, self.max_rows = stage, stage.ws, [stage], stage.ws.max_rows

    def submit(self, step: Step, keep_logits=()):
        return self.stage.run(step, step_input(self.stage, step))

    def collect(self, out: np.ndarray):
        return None, [np.asarray(out, np.float32).ravel()]


def stage_candidates(gpu: Gpu, manifest: dict) -> list[str]:
    """The candidates a swarm worker times (autotune.js tuneStage): those that compute in f32. A variant needing
    shader-f16 computes in f16, and a coordinator checks a worker's activations against its own f32 run within
    1e-3 relative L2 (server/swarm/verifier.py): SmolLM2's 30 layers with gpu_f16's GEMM gave 1.65e-3 (median row)
    to 1.8e-2 on a 300-token prompt (lavapipe)."""
    return f32_candidates(manifest, candidates(gpu, manifest)[1])


def f32_candidates(manifest: dict, cands: list[str]) -> list[str]:
    """`cands` (the rules' variant first) without those needing shader-f16 (autotune.js stageCandidates). The
    rules' own variant stays whatever it needs: it is what the adapter runs untuned, and no shipped rule names an
    f16 variant."""
    f16 = {v for v, feats in manifest.get("variant_features", {}).items() if "shader-f16" in feats}
    return [v for i, v in enumerate(cands) if i == 0 or v not in f16]


def tune_stage(stage, cands: list[str], key: str) -> dict | None:
    """Leave a swarm worker's probe stage (loaded with cands[0], the rules' variant) on the variant that runs
    fastest on this adapter, as LocalChain.load does for a whole model: the choice cached under `key` (the same key
    as a model's choice where the candidates are the same: the entry names the variant that ran faster on this
    adapter, whether a layer or a whole decode step was timed), else the candidates timed now (tune on a
    StageTrial) and the choice cached. Returns the record when it timed them."""
    cached = cached_choice(key)
    if cached in cands:
        try:
            stage.ws.use_variant(cached)
            return None
        except Exception:  # noqa: BLE001 - a choice that no longer builds here: time them again (tune switches
            pass           # every kernel to each candidate in turn, and its record replaces this one)
    record = tune(StageTrial(stage), cands)
    store_choice(key, record | {"adapter": stage.ws.gpu.name, "candidates": cands})
    return record


def _reason(e: BaseException) -> str:
    """What `rejected` records of an error: its kind and message, cut short (autotune.js reason)."""
    return f"{type(e).__name__}: {e}"[:300]


def long_step_rows(manifest: dict, variants: list[str], max_rows: int) -> int:
    """The largest min_rows among the variants' tiled programs (every program of each chain) that a step of
    max_rows reaches: there each kernel runs the last program of its chain that such a step reaches (0 when none
    has one: their long steps run their decode programs)."""
    return max((t["min_rows"] for k in manifest["kernels"].values() for v, e in k["variants"].items()
                if v in variants for t in tiled_entries(e) if t["min_rows"] <= max_rows), default=0)


# Seconds of steps submitted back to back before a candidate is timed. Building a candidate's pipelines leaves the
# GPU idle, and an H200's SM clock falls from 1980 to 345 MHz within seconds of light work: timed at once, the
# candidates after the first read 5.26 and 5.63 ms a decode step against the first's 1.34 ms, gpu_f16 with gpu's
# own decode programs. Waiting for each warm-up step before submitting the next (half the time idle) still read
# 1.81 and 4.28 ms. Submitted 8 at a time for 0.3 s, they read 1.334 (gpu), 1.394 (gpu_sg) and 1.337 ms (gpu_f16),
# and the tuning took 4.8 s, most of it building the candidates' pipelines.
WARM_S = 0.2


def warm_up(chain, step: Step, seconds: float = WARM_S) -> None:
    """Keep the GPU busy with `step` for `seconds`, so that its clock is up when the step is timed."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        for p in [chain.submit(step) for _ in range(8)]:
            chain.collect(p)


def _time_candidates(chain, cands: list[str], step: Step, repeats: int, rejected: dict, *, rtol: float) -> dict:
    """{variant: median ms of `step`} for the candidates that build and run on this adapter and whose logits of the
    step's first output match the first timed one's to rtol of their largest (the others land in `rejected`, and
    the workspace goes back to the variant it ran when called)."""
    from .profile import Profiler, step_gpu_ms

    ws = chain.ws
    loaded = ws.variant
    prof = Profiler(ws.device, 1) if "timestamp-query" in ws.device.features else None
    ref, out = None, {}
    for v in cands:
        try:
            ws.use_variant(v)
            _, logits = chain.collect(chain.submit(step, keep_logits=[0]))   # its answer
            logits = logits[0]
            if ref is not None:
                atol = rtol * float(np.abs(ref[1]).max() + 1e-6)
                if not np.allclose(logits, ref[1], rtol=rtol, atol=atol):
                    rejected[v] = f"logits differ from {ref[0]}'s by {float(np.abs(logits - ref[1]).max()):.3g}"
                    continue
            ref = ref or (v, logits)
            warm_up(chain, step)
            times = []
            for _ in range(repeats):
                if prof is not None:
                    times.append(step_gpu_ms(chain, step, prof))
                else:
                    t = time.perf_counter()
                    chain.collect(chain.submit(step))
                    times.append((time.perf_counter() - t) * 1000)
            out[v] = statistics.median(times)
        except Exception as e:  # noqa: BLE001 - a candidate the adapter rejects, or whose steps fail, is not chosen
            rejected[v] = _reason(e)
            ws.use_variant(loaded)
    return out
