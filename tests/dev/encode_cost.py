"""CPU cost of encoding one decode step: wgpu-native's functions called on raw handles against wgpu-py's public API.

Development script, not collected by pytest:  .venv/bin/python tests/dev/encode_cost.py [--artifact PATH] [--repeats N]

The measurement the comment above executor._RAW cites. Loads a model as one LocalChain (default: the synthetic
SmolLM2-shaped model of `webshard bench --synthetic`, compiled into a temporary directory; --artifact takes a
compiled one), resolves the dispatch plan of a one-row, one-output decode step once, and times recording that same
plan both ways in the same process: create the command encoder, begin the compute pass, record the plan
(Executor.record_plan), end the pass, finish. Nothing is submitted, so the GPU never runs (on a CPU adapter it
would compete with the encoding for cores) and submit's cost, the same for both paths, is left out. The two paths
alternate within each repeat so drift in the machine's load falls on both; figures are medians, of the whole
encoding and of record_plan alone (the only part in which the paths differ).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from compiler.native import executor
    from compiler.native.batch import Output, Row, Step
    from compiler.native.stage import LocalChain

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifact", type=Path, help="a compiled model directory (default: synthetic SmolLM2 shapes)")
    ap.add_argument("--repeats", type=int, default=100, help="timed encodings per path (default 100)")
    args = ap.parse_args()
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    if executor._RAW is None:
        raise SystemExit("this wgpu-py has no raw wgpu-native functions (executor._RAW): only one path to time")
    if args.artifact is not None and not (args.artifact / "manifest.json").is_file():
        raise SystemExit(f"{args.artifact} is not a compiled model (no manifest.json)")

    with tempfile.TemporaryDirectory() as tmp:
        artifact = args.artifact
        if artifact is None:
            from compiler.build import compile_model
            from compiler.native.bench import synthetic_smollm2

            artifact = Path(tmp) / "synthetic-smollm2"
            print("compiling the synthetic SmolLM2 ...", file=sys.stderr)
            # A short context: the KV cache's size does not change what a step records.
            compile_model(synthetic_smollm2(), artifact, model_id=artifact.name, max_context=256, progress=False)
        chain = LocalChain.load(artifact, slots=1, autotune=False)
        measure(chain, args.repeats, executor, Step([Row(0, 64, token=1)], [Output(0)]))


def measure(chain, repeats: int, executor, step) -> None:
    ws = chain.ws
    dev = ws.device
    # The plan Stage.record resolves and replays for this step's (rows, outputs), every stage's in pass order.
    plan = [d for s in chain.stages for d in ws.ex.plan(s.steps, len(step.rows), len(step.outputs))]
    raw = executor._RAW

    def encode(use_raw: bool) -> tuple[float, float]:
        """(whole encoding, record_plan alone) in seconds."""
        # record_plan reads the module's _RAW on each call: None takes its public-API branch.
        executor._RAW = raw if use_raw else None
        try:
            t0 = time.perf_counter()
            enc = dev.create_command_encoder()
            cp = enc.begin_compute_pass()
            t1 = time.perf_counter()
            executor.Executor.record_plan(cp, plan)
            t2 = time.perf_counter()
            cp.end()
            enc.finish()
            return time.perf_counter() - t0, t2 - t1
        finally:
            executor._RAW = raw

    for _ in range(5):   # warm: first calls allocate inside wgpu-native and fill cffi's caches
        encode(True)
        encode(False)
    times = {True: [], False: []}
    for i in range(repeats):
        for use_raw in ((True, False) if i % 2 else (False, True)):
            times[use_raw].append(encode(use_raw))

    g = ws.gpu
    print(f"adapter: {g.name} [{g.description}] ({g.backend}), variant {ws.variant}")
    print(f"{ws.artifact.name}: decode step of 1 row, {len(plan)} dispatches; encoder + pass + record + end + "
          f"finish, no submit; median of {repeats}")
    # The paths differ only in record_plan; finish (wgpu-native validating the pass) costs both the same.
    for label, use_raw in (("raw handles (executor._RAW)", True), ("wgpu-py public API", False)):
        ms, rec = (statistics.median(t[k] for t in times[use_raw]) * 1000 for k in (0, 1))
        print(f"  {label:<28} {ms:7.3f} ms per step  {ms * 1000 / len(plan):6.2f} µs per dispatch"
              f"   (record_plan alone {rec:.3f} ms, {rec * 1000 / len(plan):.2f} µs per dispatch)")


if __name__ == "__main__":
    main()
