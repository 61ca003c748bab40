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

# Encoding is the CPU's share of a decode step (~200 dispatches): wgpu-py's set_bind_group builds a cffi array of
# dynamic offsets on every call. Calling wgpu-native's three functions directly on the objects' handles recorded a
# 184-dispatch SmolLM2-shaped step in 1.18 ms instead of 1.55 ms on lavapipe (encoder to finish: 1.94 against
# 2.31 ms; tests/dev/encode_cost.py). Private wgpu-py attributes, pinned by the wgpu version in pyproject.toml; when
# they are missing we fall back to the public API.
try:
    from wgpu.backends.wgpu_native._api import ffi as _ffi
    from wgpu.backends.wgpu_native._api import libf as _libf

    _RAW = (_libf.wgpuComputePassEncoderSetPipeline, _libf.wgpuComputePassEncoderSetBindGroup,
            _libf.wgpuComputePassEncoderDispatchWorkgroups, _ffi.NULL)
    _SUBMIT_FOR_INDEX, _POLL = _libf.wgpuQueueSubmitForIndex, _libf.wgpuDevicePoll
except (ImportError, AttributeError):   # another backend or wgpu-py version
    _RAW = _SUBMIT_FOR_INDEX = _POLL = None


def submit(queue, command_buffers: list) -> int | None:
    """queue.submit, returning wgpu-native's submission index where it can (for wait_for)."""
    if _SUBMIT_FOR_INDEX is None:
        queue.submit(command_buffers)
        return None
    handles = _ffi.new("WGPUCommandBuffer[]", [cb._internal for cb in command_buffers])
    return int(_SUBMIT_FOR_INDEX(queue._internal, len(command_buffers), handles))


def wait_for(device, index: int | None) -> None:
    """Block until submission `index` has run, and no longer.

    Why: wgpu-py resolves a buffer mapping from a thread that polls with wait=True, which waits for *every*
    submission made so far. A decode step's readback then also waited for the step submitted after it, and the CPU
    encoded the next step while the GPU sat idle (per step: encode + GPU, not the larger of the two). Waiting for
    the step's own submission first leaves the mapping nothing to wait for."""
    if index is not None and _POLL is not None:
        _POLL(device._internal, True, _ffi.new("WGPUSubmissionIndex *", index))


def gpu_idle(device) -> bool | None:
    """Whether every submission so far has run (one non-blocking poll; None where it cannot be asked)."""
    if _POLL is None:
        return None
    return bool(_POLL(device._internal, False, _ffi.NULL))


def read_back(device, buf, nbytes: int, dtype, submission: int | None) -> np.ndarray:
    """The first nbytes of a MAP_READ buffer, whose last copy was in `submission`, already waited for (wait_for;
    None where the submission index is unknown). The buffer is unmapped again.

    Why: wgpu-py's map_sync first submits an empty command buffer (its guard against reads of zeros, which its
    source ties to wgpu-native issue 305), and its poll thread then resolves the mapping. With the copy's
    submission done, a non-blocking poll here usually resolves it at once (otherwise sync_wait leaves it to that
    thread, as before). One 16-byte buffer, median of 200 on lavapipe: 81 against 262 us. A 512-token prompt's
    readback on H200 machines: 0.15-0.24 ms against 0.40-0.45 on another machine with map_sync."""
    if submission is None or _POLL is None:
        buf.map_sync(wgpu.MapMode.READ, 0, buf.size)
    else:
        promise = buf.map_async("READ_NOSYNC", 0, buf.size)   # wgpu-py's mode for a map without that submit
        _POLL(device._internal, False, _ffi.NULL)
        promise.sync_wait()
    try:
        return np.frombuffer(buf.read_mapped(0, nbytes), dtype=dtype).copy()
    finally:
        buf.unmap()


def pack_params(**values) -> bytes:
    unknown = set(values) - {n for n, _ in PARAMS}
    if unknown:
        raise TypeError(f"unknown params field(s): {sorted(unknown)}")
    return b"".join(struct.pack("<f" if t == "f32" else "<I", values.get(n, 0)) for n, t in PARAMS)


def native_wgsl(source: str) -> str:
    """WGSL as wgpu-native takes it: its naga (wgpu 0.32) rejects `enable subgroups;` as not yet implemented yet
    accepts the builtins, while the spec and Chrome's Dawn require the directive; artifacts keep it."""
    return source.replace("enable subgroups;\n", "", 1) if source.startswith("enable subgroups;") else source


def shader_module(device, code: str, label: str):
    """A WGSL module compiled by wgpu-native with its bounds checks but without naga's forced loop bounding (a
    counter in every loop, so that a loop that never ends cannot be undefined behaviour).

    Why: our kernels' loops are bounded by constants and the step's row counts, and the counters cost the GPU. On
    an H200 (synthetic SmolLM2, two rounds each, alternating processes), a decode step took 1.08 ms of GPU time
    without them against 1.23-1.24 with them (the split attention 0.35 against 0.45 ms); the 512-row prompt step
    did not change (10.84 against 10.68 ms). Dropping the bounds checks too gained 0.2 ms on the prompt step's tiled
    attention, but out-of-range reads would then be undefined: kept. wgpu-py has no argument for this, so the
    module is made through wgpu-native's wgpuDeviceCreateShaderModuleTrusted with wgpu-py's own helpers (wgpu is
    pinned below 0.33 in pyproject.toml); without that function, the plain checked module."""
    try:
        from wgpu.backends.wgpu_native import _api
        from wgpu.backends.wgpu_native._ffi import ffi, lib

        create = _api.libf.wgpuDeviceCreateShaderModuleTrusted
        checks = lib.WGPUShaderRuntimeChecks_BoundsChecks
    except (ImportError, AttributeError):
        return device.create_shader_module(code=code, label=label)
    src = _api.new_struct_p("WGPUShaderSourceWGSL *", code=_api.to_c_string_view(code))
    src[0].chain.next = ffi.NULL
    src[0].chain.sType = lib.WGPUSType_ShaderSourceWGSL
    desc = _api.new_struct_p("WGPUShaderModuleDescriptor *", nextInChain=ffi.cast("WGPUChainedStruct *", src),
                             label=_api.to_c_string_view(label))
    handle = create(device._internal, desc, checks)
    if handle == ffi.NULL:
        raise RuntimeError(f"shader module {label}: creation failed")
    return _api.GPUShaderModule(label, handle, device)


@dataclass
class KernelProgram:
    """What the executor needs of one kernel variant (from a Kernel or from a manifest entry)."""

    name: str
    source: str
    bindings: list[dict]        # [{"name", "type", "elem"}] in binding order
    dispatch: list
    tiled: "KernelProgram | None" = None   # run instead for steps of at least tiled.min_rows rows (same bindings)
    min_rows: int = 0

    @staticmethod
    def from_entry(name: str, bindings: list[dict], e: dict, source_of) -> "KernelProgram":
        """From a manifest variant entry and its `tiled` entry; source_of(entry) reads an entry's WGSL file."""
        t = e.get("tiled")
        return KernelProgram(name, source_of(e), bindings, e["dispatch"],
                             KernelProgram.from_entry(name, bindings, t, source_of) if t else None, e.get("min_rows", 0))

    @staticmethod
    def from_variant(name: str, bindings: list[dict], v) -> "KernelProgram":
        """From a kernels.KernelVariant (a kernel compiled in this process) and its tiled program."""
        return KernelProgram(name, v.source, bindings, v.dispatch,
                             KernelProgram.from_variant(name, bindings, v.tiled) if v.tiled else None, v.min_rows)

    def chain(self) -> list[tuple[str, "KernelProgram"]]:
        """(pipeline key, program) of this program and its tiled ones, for ever longer steps."""
        out, key, p = [], self.name, self
        while p is not None:
            out.append((key, p))
            key, p = key + "#tiled", p.tiled
        return out

    def for_step(self, n_rows: int, n_out: int) -> tuple[str, "KernelProgram"]:
        """(pipeline key, program) a step runs: the last tiled one whose min_rows the rows its grid counts ("T" or
        "O") reach, else this one."""
        key, prog = self.name, self
        for k, t in self.chain()[1:]:
            count = next(c for c, _ in t.dispatch if c in ("T", "O"))
            if (n_rows if count == "T" else n_out) < t.min_rows:
                break
            key, prog = k, t
        return key, prog


class Executor:
    def __init__(self, device):
        self.device = device
        self.pipelines: dict[str, object] = {}
        self.layouts: dict[str, object] = {}
        self.programs: dict[str, KernelProgram] = {}
        self.params = device.create_buffer(size=PARAMS_BYTES, usage=wgpu.BufferUsage.UNIFORM | wgpu.BufferUsage.COPY_DST)

    def add(self, prog: KernelProgram) -> None:
        if prog.name in self.programs:
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
        self.layouts[prog.name] = self.device.create_bind_group_layout(entries=entries)
        try:
            self.replace(prog)
        except ArtifactError:
            del self.layouts[prog.name]
            raise

    def replace(self, prog: KernelProgram) -> None:
        """Build a kernel's pipelines (its tiled program's too), or swap them for another variant's: same bindings,
        so the same bind group layout, and every bind group made for the kernel stays valid."""
        if prog.name not in self.layouts:
            return self.add(prog)
        built = {}
        for key, p in prog.chain():
            # A program whose grid is empty whatever the step (a variant that never runs the kernel, such as
            # attention_tiled's on CPU adapters) gets no pipeline: its bind groups need only the layout.
            if any(c == 0 for c, _ in p.dispatch):
                continue
            try:
                module = shader_module(self.device, native_wgsl(p.source), key)
                built[key] = self.device.create_compute_pipeline(
                    layout=self.device.create_pipeline_layout(bind_group_layouts=[self.layouts[prog.name]]),
                    compute={"module": module, "entry_point": "main"}, label=key)
            except Exception as e:  # noqa: BLE001 - wgpu raises GPUValidationError / GPUError subclasses
                detail = " ".join(line.strip() for line in str(e).splitlines() if line.strip())[:400] or type(e).__name__
                raise ArtifactError(f"kernel {key}: the adapter rejected it: {detail}") from e
        old = self.programs.get(prog.name)
        for key, _ in old.chain() if old else []:
            self.pipelines.pop(key, None)
        self.pipelines.update(built)
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
        self.record_plan(cpass, self.plan([(kernel, bind_group)], n_rows, n_out))

    def plan(self, steps: list[tuple[str, object]], n_rows: int, n_out: int) -> list[tuple]:
        """(pipeline, bind group, x, y, z) for each (kernel, bind group) of `steps` that dispatches anything in a
        step of n_rows rows and n_out outputs (its tiled program where the step is long enough): what record_plan
        replays."""
        out = []
        for kernel, bg in steps:
            key, prog = self.programs[kernel].for_step(n_rows, n_out)
            x, y, z = workgroups(prog.dispatch, n_rows, n_out)
            if x and y and z:
                out.append((self.pipelines[key], bg, x, y, z))
        return out

    @staticmethod
    def record_plan(cpass, plan: list[tuple]) -> None:
        """Record a plan's dispatches into `cpass` (a pipeline already set is not set again)."""
        last = None
        if _RAW is not None:
            set_pipeline, set_bind_group, dispatch, null = _RAW
            h = cpass._internal
            for pipeline, bg, x, y, z in plan:
                if pipeline is not last:
                    set_pipeline(h, pipeline._internal)
                    last = pipeline
                set_bind_group(h, 0, bg._internal, 0, null)
                dispatch(h, x, y, z)
            return
        for pipeline, bg, x, y, z in plan:
            if pipeline is not last:
                cpass.set_pipeline(pipeline)
                last = pipeline
            cpass.set_bind_group(0, bg)
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
    prog = KernelProgram.from_variant(f"{kernel.name}@{variant}", [b.to_json() for b in kernel.bindings],
                                      kernel.variants[variant])
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
