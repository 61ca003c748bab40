"""One Q4_1 GEMV (SmolLM2's FFN shape: K=576, N=1536, one token row) in each matmul shape, on this machine's adapter.

Development script, not collected by pytest:  .venv/bin/python tests/dev/matmul_variants.py [--repeats N]

The measurement the comment above compiler.kernels.MATMUL_SHAPES cites. Shapes: one row per invocation (no quads,
the cpu variant's shape before quads), then every entry of MATMUL_SHAPES whose features the device has (cpu: 4
quads, cpu_sw: 2 quads, gpu: 32 lanes per row, gpu_sg where there are subgroups). Each kernel is checked against the
numpy reference before it is timed. Time is the median over --repeats dispatches, each in its own pass with timestamp
queries where the adapter has them (else wall clock of submit + wait, which adds the submit's own cost); GB/s is
the weight bytes one dispatch reads over that time. The weights (0.55 MB) stay in a CPU adapter's cache between
dispatches, as a decode step's layer weights do not: compare shapes with each other, not with a whole model.

--without-loads also times the CPU shapes (quads) with their loads of x, of the weights, or of both replaced by
arithmetic on the same indices (the sums are then meaningless and unchecked): what the loads themselves cost.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FMT, K_, N_ = "q4_1", 576, 1536
# The cpu variant's shape before quads (fd2430a): 64 invocations, each one output row; 4 tokens per workgroup like
# the quads shapes (it had 8, which a one-token GEMV never fills).
ROW_SHAPE = {"wg": 64, "lanes": 1, "tt": 4, "quads": 0}


def render(K, shape: dict):
    """The matmul kernel's WGSL with `shape` as its cpu variant (MATMUL_SHAPES patched only for the render)."""
    saved = K.MATMUL_SHAPES["cpu"]
    K.MATMUL_SHAPES["cpu"] = shape
    try:
        return K.matmul_kernel.__wrapped__(FMT, K_, N_).variants["cpu"]   # not the cached kernel of other shapes
    finally:
        K.MATMUL_SHAPES["cpu"] = saved


# The CPU kernels' two load helpers (wgsl/matmul_rows.wgsl.j2), and arithmetic on the same index instead.
W_LOAD = re.compile(r"return w\[(.*)\];")
X_LOAD = re.compile(r"return x\[(.*)\];")


def without_loads(src: str, which: str) -> str:
    if which in ("w", "both"):
        src = W_LOAD.sub(r"let li = \1; return vec4<u32>(li, li * 3u, li ^ 5u, li + 7u);", src)
    if which in ("x", "both"):
        src = X_LOAD.sub(r"let li = \1; return vec4<f32>(f32(li), 1.0, 2.0, f32(li & 7u));", src)
    return src


def main() -> None:
    from compiler import kernels as K
    from compiler import reference as R
    from compiler.native.executor import Executor, KernelProgram
    from compiler.native.gpu import get_gpu, has_features
    from compiler.native.profile import Profiler
    from compiler.quant import dequantize, quantize, repack

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=50, help="timed dispatches per shape (default 50)")
    ap.add_argument("--without-loads", action="store_true",
                    help="also time the CPU shapes with x, w or both loaded by arithmetic instead")
    args = ap.parse_args()
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")

    gpu = get_gpu()
    dev = gpu.device
    r = np.random.default_rng(0)
    t = quantize("w", r.standard_normal((N_, K_)), FMT)
    w = repack(t)
    x = r.standard_normal((1, K_)).astype(np.float32)
    want = R.matmul(x, dequantize(t))

    kern = K.matmul_kernel(FMT, K_, N_)
    shapes = [("1 row / invocation", ROW_SHAPE, render(K, ROW_SHAPE))]
    shapes += [(name, sh, kern.variants[name]) for name, sh in K.MATMUL_SHAPES.items()
               if has_features(gpu, K.VARIANT_FEATURES.get(name, []))]
    prof = Profiler(dev, passes=args.repeats) if "timestamp-query" in dev.features else None

    print(f"adapter: {gpu.name} [{gpu.description}] ({gpu.backend})")
    print(f"{FMT} GEMV K={K_} N={N_}, 1 token, {w.nbytes} weight bytes; median of {args.repeats} dispatches, "
          + ("GPU timestamps" if prof else "wall clock (no timestamp-query)"))
    runs = [(label, sh, v.source, v.dispatch, None) for label, sh, v in shapes]
    if args.without_loads:
        runs += [(f"{label}, {which} by arithmetic", sh, without_loads(v.source, which), v.dispatch, which)
                 for label, sh, v in shapes if sh.get("quads") for which in ("x", "w", "both")]
    for label, sh, source, dispatch, replaced in runs:
        # A fresh executor per shape: every shape renders the same kernel name, which an executor adds only once.
        ex = Executor(dev)
        prog = KernelProgram(f"{kern.name}@{label}", source, [b.to_json() for b in kern.bindings], dispatch)
        ex.add(prog)
        bufs = {"x": ex.storage(x, label="x"), "w": ex.storage(w, label="w"), "out": ex.storage(size=want.nbytes)}
        bg = ex.bind_group(prog.name, bufs)
        ex.write_params(n_rows=1, n_out=1)

        def encode(passes: int, timed: bool):
            enc = dev.create_command_encoder()
            for i in range(passes):
                cp = enc.begin_compute_pass(timestamp_writes=prof.writes(i)) if timed else enc.begin_compute_pass()
                ex.record(cp, prog.name, bg, 1, 1)
                cp.end()
            if timed:
                prof.read(enc, passes)
            return enc.finish()

        dev.queue.submit([encode(1, False)])
        got = ex.read(bufs["out"]).reshape(want.shape)
        # 576-term sums in another order than numpy's: a looser atol than the kernel tests' short rows.
        if replaced is None:
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3, err_msg=f"shape {label} computes wrong rows")

        dev.queue.submit([encode(min(args.repeats, 10), prof is not None)])   # warm: first-run compile, caches
        ex.read(bufs["out"], nbytes=4)   # waits for the warm-up, so it is not timed below
        if prof:
            dev.queue.submit([encode(args.repeats, True)])
            ms = statistics.median(prof.millis(args.repeats))
        else:
            walls = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                dev.queue.submit([encode(1, False)])
                ex.read(bufs["out"], nbytes=4)   # waits for the dispatch
                walls.append((time.perf_counter() - t0) * 1000)
            ms = statistics.median(walls)
        shape = ", ".join(f"{k}={val}" for k, val in sh.items())
        print(f"  {label:<36} {ms:8.3f} ms  {w.nbytes / (ms / 1000) / 1e9:7.2f} GB/s   ({shape})")


if __name__ == "__main__":
    main()
