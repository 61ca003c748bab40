"""The cpu variant's Q4_1 matmul with its weights read from a storage buffer (as shipped) and from an rgba32uint
texture (textureLoad), on this machine's adapter, alternating.

Development script, not collected by pytest:  .venv/bin/python tests/dev/texture_weights.py [--rounds N]

Why: llvmpipe (Mesa 22.3, Debian 12) loads a storage buffer element by element, one branch per SIMD lane, while a
texel fetch is a gather. The kernel is the shipped one (compiler.kernels.matmul_kernel, variant cpu) with only its
binding of `w` and the body of its load helper w4() replaced; both are checked against the numpy reference before
they are timed. Time is the median of 20 dispatches, each in its own pass with timestamp queries.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import wgpu

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TEX_W = 4096   # texels per texture row (16 bytes each); a power of two, within every adapter's 8192
BUFFER_DECL = "var<storage, read> w: array<vec4<u32>>;"
BUFFER_LOAD = "  return w[min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u)];"
TEXTURE_LOAD = ("  let i = min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u);\n"
                f"  return textureLoad(w, vec2<u32>(i & {TEX_W - 1}u, i >> {TEX_W.bit_length() - 1}u), 0);")
CASES = [(576, 1536, 1), (576, 12288, 1), (576, 1536, 4)]   # (K, N, rows): FFN up, a larger matrix, a 4-row step


def texture_source(src: str) -> str:
    if BUFFER_DECL not in src or BUFFER_LOAD not in src:
        raise SystemExit("the cpu matmul's weight binding or w4() changed: update this script")
    return src.replace(BUFFER_DECL, "var w: texture_2d<u32>;").replace(BUFFER_LOAD, TEXTURE_LOAD)


def main() -> None:
    from compiler import kernels as K
    from compiler import reference as R
    from compiler.native.executor import native_wgsl, pack_params
    from compiler.native.gpu import get_gpu
    from compiler.native.profile import Profiler
    from compiler.quant import dequantize, quantize, repack

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per case (default 3)")
    args = ap.parse_args()
    gpu = get_gpu()
    dev = gpu.device
    if "timestamp-query" not in dev.features:
        raise SystemExit(f"{gpu.name} has no timestamp-query")
    prof = Profiler(dev, passes=20)
    print(f"adapter: {gpu.name} [{gpu.description}]; median of 20 dispatches, GPU timestamps")
    U = wgpu.BufferUsage
    for k_in, n, rows in CASES:
        rng = np.random.default_rng(0)
        t = quantize("w", rng.standard_normal((n, k_in)), "q4_1")
        w = repack(t)
        x = rng.standard_normal((rows, k_in)).astype(np.float32)
        want = R.matmul(x, dequantize(t))
        v = K.matmul_kernel("q4_1", k_in, n).variants["cpu"]
        src = native_wgsl(v.source)
        words = np.frombuffer(w.tobytes(), np.uint32)
        height = -(-len(words) // (4 * TEX_W))
        texels = np.zeros(TEX_W * height * 4, np.uint32)
        texels[:len(words)] = words
        tex = dev.create_texture(size=(TEX_W, height, 1), format=wgpu.TextureFormat.rgba32uint,
                                 usage=wgpu.TextureUsage.TEXTURE_BINDING | wgpu.TextureUsage.COPY_DST)
        dev.queue.write_texture({"texture": tex}, texels.tobytes(), {"bytes_per_row": TEX_W * 16,
                                                                     "rows_per_image": height}, (TEX_W, height, 1))
        params = dev.create_buffer_with_data(data=pack_params(n_rows=rows, n_out=rows) + bytes(256), usage=U.UNIFORM)
        xb = dev.create_buffer_with_data(data=x.tobytes(), usage=U.STORAGE)
        wb = dev.create_buffer_with_data(data=w.tobytes(), usage=U.STORAGE)
        out = dev.create_buffer(size=want.nbytes, usage=U.STORAGE | U.COPY_SRC)
        grid = (-(-n // v.dispatch[0][1]), -(-rows // v.dispatch[1][1]), 1)
        runs = {}
        for name, code, resource in (("buffer", src, {"buffer": wb}), ("texture", texture_source(src), tex.create_view())):
            pipe = dev.create_compute_pipeline(layout="auto", compute={"module": dev.create_shader_module(code=code),
                                                                       "entry_point": "main"})
            bg = dev.create_bind_group(layout=pipe.get_bind_group_layout(0), entries=[
                {"binding": 0, "resource": {"buffer": params}}, {"binding": 1, "resource": {"buffer": xb}},
                {"binding": 2, "resource": resource}, {"binding": 3, "resource": {"buffer": out}}])

            def encode(passes: int, timed: bool, pipe=pipe, bg=bg):
                enc = dev.create_command_encoder()
                for i in range(passes):
                    cp = enc.begin_compute_pass(timestamp_writes=prof.writes(i)) if timed else enc.begin_compute_pass()
                    cp.set_pipeline(pipe)
                    cp.set_bind_group(0, bg)
                    cp.dispatch_workgroups(*grid)
                    cp.end()
                if timed:
                    prof.read(enc, passes)
                return enc.finish()

            dev.queue.submit([encode(1, False)])
            got = np.frombuffer(dev.queue.read_buffer(out), np.float32).reshape(want.shape)
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-3, err_msg=f"{name} computes wrong rows")
            runs[name] = encode
        for _ in range(args.rounds):
            for name, encode in runs.items():
                dev.queue.submit([encode(20, True)])
                ms = statistics.median(prof.millis(20))
                print(f"  K={k_in} N={n} rows={rows} {name:<8} {ms:7.3f} ms  {w.nbytes / ms / 1e6:6.2f} GB/s of weights",
                      flush=True)


if __name__ == "__main__":
    main()
