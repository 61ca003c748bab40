"""Native executor: creates pipelines and bind groups once, then records dispatches into one compute pass.

artifact/kernel specs -> **Executor** (wgpu-py) -> used by stages (compiler/native/stage.py) and kernel tests.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np
import wgpu

from ..errors import ArtifactError
from ..kernels import PARAMS, PARAMS_BYTES, workgroups

STORAGE = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST | wgpu.BufferUsage.COPY_SRC


def pack_params(**values) -> bytes:
    unknown = set(values) - {n for n, _ in PARAMS}
    if unknown:
        raise TypeError(f"unknown params field(s): {sorted(unknown)}")
    return b"".join(struct.pack("<f" if t == "f32" else "<I", values.get(n, 0)) for n, t in PARAMS)


@dataclass
class KernelProgram:
    """What the executor needs of one kernel variant (from a Kernel or from a manifest entry)."""

    name: str
    source: str
    bindings: list[dict]        # [{"name", "type", "elem"}] in binding order
    dispatch: list


class Executor:
    def __init__(self, device):
        self.device = device
        self.pipelines: dict[str, object] = {}
        self.layouts: dict[str, object] = {}
        self.programs: dict[str, KernelProgram] = {}
        self.params = device.create_buffer(size=PARAMS_BYTES, usage=wgpu.BufferUsage.UNIFORM | wgpu.BufferUsage.COPY_DST)

    def add(self, prog: KernelProgram) -> None:
        if prog.name in self.pipelines:
            return
        entries = []
        for i, b in enumerate(prog.bindings):
            if b["type"] == "uniform":
                layout = {"type": wgpu.BufferBindingType.uniform}
            elif b["type"] == "read":
                layout = {"type": wgpu.BufferBindingType.read_only_storage}
            else:
                layout = {"type": wgpu.BufferBindingType.storage}
            entries.append({"binding": i, "visibility": wgpu.ShaderStage.COMPUTE, "buffer": layout})
        bgl = self.device.create_bind_group_layout(entries=entries)
        try:
            module = self.device.create_shader_module(code=prog.source, label=prog.name)
            self.pipelines[prog.name] = self.device.create_compute_pipeline(
                layout=self.device.create_pipeline_layout(bind_group_layouts=[bgl]),
                compute={"module": module, "entry_point": "main"},
                label=prog.name,
            )
        except Exception as e:  # wgpu raises GPUValidationError / GPUError subclasses with multi-line text
            detail = " ".join(line.strip() for line in str(e).splitlines() if line.strip())[:400] or type(e).__name__
            raise ArtifactError(f"kernel {prog.name}: the adapter rejected it: {detail}") from e
        self.layouts[prog.name] = bgl
        self.programs[prog.name] = prog

    def bind_group(self, kernel: str, buffers: dict[str, object]):
        """buffers: binding name -> GPUBuffer (the params uniform is bound automatically)."""
        prog = self.programs[kernel]
        entries = []
        for i, b in enumerate(prog.bindings):
            buf = self.params if b["type"] == "uniform" else buffers[b["name"]]
            entries.append({"binding": i, "resource": {"buffer": buf, "offset": 0, "size": buf.size}})
        return self.device.create_bind_group(layout=self.layouts[kernel], entries=entries)

    def write_params(self, **values) -> None:
        self.device.queue.write_buffer(self.params, 0, pack_params(**values))

    def record(self, cpass, kernel: str, bind_group, n_rows: int, n_out: int) -> None:
        x, y, z = workgroups(self.programs[kernel].dispatch, n_rows, n_out)
        if x and y and z:
            cpass.set_pipeline(self.pipelines[kernel])
            cpass.set_bind_group(0, bind_group)
            cpass.dispatch_workgroups(x, y, z)

    # -- buffers
    def storage(self, data: np.ndarray | None = None, size: int | None = None, label: str = ""):
        if data is not None:
            raw = np.ascontiguousarray(data).tobytes()
            size = max(len(raw), 4)
            buf = self.device.create_buffer(size=(size + 3) // 4 * 4, usage=STORAGE, label=label)
            if raw:
                self.device.queue.write_buffer(buf, 0, raw)
            return buf
        return self.device.create_buffer(size=max(4, (int(size) + 3) // 4 * 4), usage=STORAGE, label=label)

    def read(self, buf, dtype=np.float32, nbytes: int | None = None) -> np.ndarray:
        data = self.device.queue.read_buffer(buf, 0, nbytes)
        return np.frombuffer(bytes(data), dtype=dtype).copy()


def run_kernel(executor: Executor, kernel, variant: str, arrays: dict[str, np.ndarray], n_rows: int,
               out_sizes: dict[str, int] | None = None, n_out: int = 1) -> dict[str, np.ndarray]:
    """Run one compiled kernel once (tests): arrays by binding name (`ctl` too, packed by the test); returns every
    read_write binding."""
    v = kernel.variants[variant]
    prog = KernelProgram(f"{kernel.name}@{variant}", v.source, [b.to_json() for b in kernel.bindings], v.dispatch)
    executor.add(prog)
    bufs = {}
    for b in kernel.bindings:
        if b.access == "uniform":
            continue
        if b.name in arrays:
            bufs[b.name] = executor.storage(arrays[b.name], label=b.name)
        else:
            bufs[b.name] = executor.storage(size=(out_sizes or {})[b.name], label=b.name)
    executor.write_params(n_rows=n_rows, n_out=n_out)
    enc = executor.device.create_command_encoder()
    cp = enc.begin_compute_pass()
    executor.record(cp, prog.name, executor.bind_group(prog.name, bufs), n_rows, n_out)
    cp.end()
    executor.device.queue.submit([enc.finish()])
    out = {}
    for b in kernel.bindings:
        if b.access == "read_write":
            out[b.name] = executor.read(bufs[b.name], np.uint32 if b.elem == "u32" else np.float32)
    return out
