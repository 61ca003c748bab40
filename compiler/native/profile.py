"""GPU time from timestamp queries: whole steps, each kernel of a step, and a copy-bandwidth probe.

bench.py -> **Profiler** (wgpu timestamp queries, where the adapter has `timestamp-query`: lavapipe and NVIDIA over
Vulkan do) -> milliseconds per pass. WebGPU writes timestamps at the beginning and end of a pass, so a per-kernel
profile runs each dispatch in its own pass: it measures the kernels, not the one-pass step that decode really runs.
"""
from __future__ import annotations

import numpy as np
import wgpu

from .stage import LocalChain


class Profiler:
    """Up to `passes` timed passes per submission."""

    def __init__(self, device, passes: int = 512):
        if "timestamp-query" not in device.features:
            raise RuntimeError("this adapter has no timestamp-query feature")
        self.device, self.passes = device, passes
        self.qs = device.create_query_set(type=wgpu.QueryType.timestamp, count=2 * passes)
        self.resolve = device.create_buffer(size=16 * passes, usage=wgpu.BufferUsage.QUERY_RESOLVE
                                            | wgpu.BufferUsage.COPY_SRC)

    def writes(self, i: int) -> dict:
        return {"query_set": self.qs, "beginning_of_pass_write_index": 2 * i, "end_of_pass_write_index": 2 * i + 1}

    def read(self, encoder, n: int) -> list[float]:
        """Resolve n passes' timestamps (call after the passes, before submit); returns a reader of milliseconds."""
        encoder.resolve_query_set(self.qs, 0, 2 * n, self.resolve, 0)

    def millis(self, n: int) -> list[float]:
        raw = np.frombuffer(bytes(self.device.queue.read_buffer(self.resolve, 0, 16 * n)), np.uint64).reshape(n, 2)
        return [(int(b) - int(a)) / 1e6 for a, b in raw]


def step_gpu_ms(chain: LocalChain, step, prof: Profiler) -> float:
    """GPU time of one whole step, run as decode runs it: one compute pass."""
    ws = chain.ws
    ws.write_step(step)
    enc = ws.device.create_command_encoder()
    cp = enc.begin_compute_pass(timestamp_writes=prof.writes(0))
    for s in chain.stages:
        s.record(cp, len(step.rows), len(step.outputs))
    cp.end()
    prof.read(enc, 1)
    ws.device.queue.submit([enc.finish()])
    return prof.millis(1)[0]


def kernel_gpu_ms(chain: LocalChain, step, prof: Profiler) -> list[tuple[str, str, float]]:
    """(unit, kernel, ms) for every dispatch of a step, each dispatch in its own timed pass."""
    ws = chain.ws
    ws.write_step(step)
    enc = ws.device.create_command_encoder()
    names = []
    for stage in chain.stages:
        units = iter(u for u in stage.units for _ in u["dispatches"])
        for kernel, bg in stage.steps:
            unit = next(units)["name"]
            if len(names) == prof.passes:
                raise RuntimeError(f"more than {prof.passes} dispatches in a step; make the profiler larger")
            cp = enc.begin_compute_pass(timestamp_writes=prof.writes(len(names)))
            ws.ex.record(cp, kernel, bg, len(step.rows), len(step.outputs))
            cp.end()
            names.append((unit, kernel))
    prof.read(enc, len(names))
    ws.device.queue.submit([enc.finish()])
    return [(u, k, ms) for (u, k), ms in zip(names, prof.millis(len(names)))]


def copy_bandwidth_gbs(device, prof: Profiler, nbytes: int = 128 << 20, repeats: int = 5) -> float:
    """Device-to-device copy speed: read + write bytes per second of copy_buffer_to_buffer, best of `repeats`."""
    usage = wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.STORAGE
    a = device.create_buffer(size=nbytes, usage=usage)
    b = device.create_buffer(size=nbytes, usage=usage)
    best = float("inf")
    for _ in range(repeats):
        enc = device.create_command_encoder()
        # An empty timed pass on each side of the copy brackets it (WebGPU times passes, not copies).
        enc.begin_compute_pass(timestamp_writes={"query_set": prof.qs, "beginning_of_pass_write_index": 0}).end()
        enc.copy_buffer_to_buffer(a, 0, b, 0, nbytes)
        enc.begin_compute_pass(timestamp_writes={"query_set": prof.qs, "end_of_pass_write_index": 1}).end()
        prof.read(enc, 1)
        device.queue.submit([enc.finish()])
        best = min(best, prof.millis(1)[0])
    a.destroy()
    b.destroy()
    return 2 * nbytes / (best / 1000) / 1e9


COPY_WGSL = """
@group(0) @binding(0) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<u32>>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) n: vec3<u32>) {
  let i = gid.x + gid.y * n.x * 256u;
  if (i < arrayLength(&dst)) { dst[i] = src[i]; }
}
"""


def copy_kernel_gbs(device, prof: Profiler, nbytes: int = 128 << 20, repeats: int = 5) -> float:
    """The same copy done by a compute shader (vec4 loads and stores): what a kernel can stream on this adapter.
    On an H200 copy_buffer_to_buffer measured 0.82 TB/s, far under the memory's speed, so both are reported."""
    usage = wgpu.BufferUsage.STORAGE
    a = device.create_buffer(size=nbytes, usage=usage)
    b = device.create_buffer(size=nbytes, usage=usage)
    pipeline = device.create_compute_pipeline(layout="auto", compute={
        "module": device.create_shader_module(code=COPY_WGSL), "entry_point": "main"})
    bg = device.create_bind_group(layout=pipeline.get_bind_group_layout(0), entries=[
        {"binding": 0, "resource": {"buffer": a, "offset": 0, "size": nbytes}},
        {"binding": 1, "resource": {"buffer": b, "offset": 0, "size": nbytes}}])
    groups = nbytes // 16 // 256
    gx = min(groups, 32768)
    best = float("inf")
    for _ in range(repeats):
        enc = device.create_command_encoder()
        cp = enc.begin_compute_pass(timestamp_writes=prof.writes(0))
        cp.set_pipeline(pipeline)
        cp.set_bind_group(0, bg)
        cp.dispatch_workgroups(gx, -(-groups // gx), 1)
        cp.end()
        prof.read(enc, 1)
        device.queue.submit([enc.finish()])
        best = min(best, prof.millis(1)[0])
    a.destroy()
    b.destroy()
    return 2 * nbytes / (best / 1000) / 1e9
