"""Stages: a contiguous range of a compiled model's plan units on this process's GPU, holding S sequence slots.

artifact (manifest + shards) -> **Stage** (only its units' kernels, weights, buffers and KV cache) -> a chain of
stages (LocalChain on one device, RelayChain through host memory) -> the generation loop (engine.py).

A stage takes a batch of rows (batch.Step: slot, position, token or input activations) and hands back output
activations, logits, or sampled ids, by the role of its last unit. Stages of one LocalChain share one Workspace
(the per-step uniform and control buffer, the boundary buffers and scratch), so a chain on one device runs as one
compute pass with nothing crossing to the host but the sampled ids, exactly as a whole model does. Stages loaded
apart (RelayChain, swarm workers) exchange activations in the wire format (wire.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wgpu

from ..artifact import load_shard, read_manifest
from ..errors import ArtifactError, LimitError
from . import wire
from .batch import Step, pack_ctl, pack_params, step_rows
from .executor import Executor, KernelProgram, gpu_idle, read_back, submit, wait_for
from .gpu import Gpu, get_gpu, kernel_variant
from .limits import check_limits, needed_limits

READBACK = wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST


def unit_names(manifest: dict, first: str | None = None, last: str | None = None) -> list[str]:
    """Plan units from `first` to `last` inclusive (default: the whole plan), in plan order."""
    names = [u["name"] for u in manifest["plan"]["units"]]
    i = names.index(first) if first in names else (0 if first is None else -1)
    j = names.index(last) if last in names else (len(names) - 1 if last is None else -1)
    if i < 0 or j < 0 or j < i:
        raise ArtifactError(f"unit range {first}..{last} is not in the plan (units: {names[0]}..{names[-1]})")
    return names[i:j + 1]


def split_ranges(manifest: dict, boundaries: list[int]) -> list[tuple[str, str]]:
    """Stage ranges for cutting the model before each layer in `boundaries`: [10, 20] on a 30-layer model gives
    (embed, layer.9), (layer.10, layer.19), (layer.20, sample)."""
    names = [u["name"] for u in manifest["plan"]["units"]]
    layers = {u.get("layer"): u["name"] for u in manifest["plan"]["units"] if u["role"] == "layer"}
    cuts = []
    for b in boundaries:
        if b not in layers or b == 0:
            raise ArtifactError(f"cannot split before layer {b}: the model has layers 1..{len(layers) - 1} to cut at")
        cuts.append(names.index(layers[b]))
    if cuts != sorted(set(cuts)):
        raise ArtifactError(f"split points {boundaries} must be increasing")
    edges = [0, *cuts, len(names)]
    return [(names[a], names[b - 1]) for a, b in zip(edges, edges[1:])]


def kv_bytes_per_slot(manifest: dict, units: list[str] | None = None) -> int:
    """KV-cache bytes one sequence slot costs in `units` (default: the whole model)."""
    wanted = set(units) if units is not None else None
    names = {s for u in manifest["plan"]["units"] if wanted is None or u["name"] in wanted for s in u["state"]}
    sizes = {"S": 1, "C": manifest["limits"]["max_context"]}
    return sum(_shape_bytes(manifest["buffers"][n]["shape"], sizes) for n in names)


def default_slots(manifest: dict, units: list[str], binding_limit: int) -> int:
    """Slots when the caller names none: the manifest's limits.default_slots, fewer when the KV budget or the
    adapter's per-binding limit cannot hold that many. WebGPU reports no free memory, so the budget is a fixed
    figure from the manifest rather than a measurement."""
    policy = manifest["limits"]["default_slots"]
    per_slot = max(1, kv_bytes_per_slot(manifest, units))
    per_binding = max((_shape_bytes(manifest["buffers"][s]["shape"], {"S": 1, "C": manifest["limits"]["max_context"]})
                       for u in manifest["plan"]["units"] if u["name"] in units for s in u["state"]), default=1)
    return max(1, min(policy["max"], policy["kv_budget_bytes"] // per_slot, binding_limit // per_binding))


def _shape_bytes(shape, sizes: dict) -> int:
    n = 4
    for d in shape:
        n *= sizes[d] if isinstance(d, str) else int(d)
    return n


class Workspace:
    """What the stages of one chain on one device share: pipelines, the params uniform, the control buffer, the
    boundary buffers and scratch. Buffers are created on first use, sized for this workspace's slots."""

    @classmethod
    def create(cls, artifact: str | Path, units: list[str] | None = None, *, slots: int | None = None,
               variant: str | None = None, gpu: Gpu | None = None, manifest: dict | None = None) -> "Workspace":
        """A workspace for `artifact` with `slots` (default: what default_slots allows for `units`, or the model)."""
        manifest = manifest or read_manifest(Path(artifact))
        gpu = gpu or get_gpu()
        names = units or unit_names(manifest)
        if slots is None:
            slots = default_slots(manifest, names, gpu.device.limits.get("max-storage-buffer-binding-size", 128 << 20))
        if not isinstance(slots, int) or slots < 1:
            raise ValueError(f"slots must be a positive integer, got {slots!r}")
        return cls(gpu, manifest, Path(artifact), kernel_variant(gpu, variant, manifest), slots)

    def __init__(self, gpu: Gpu, manifest: dict, artifact: Path, variant: str, slots: int):
        self.gpu, self.manifest, self.artifact, self.variant, self.slots = gpu, manifest, artifact, variant, slots
        self.device = gpu.device
        self._binding_limit = gpu.device.limits.get("max-storage-buffer-binding-size", 128 << 20)
        self.max_rows = step_rows(manifest, variant)
        self.context = manifest["limits"]["max_context"]
        # Outputs per step: one per slot at most, and no more logits rows than one binding holds.
        per_output = max(_shape_bytes(b["shape"][1:], {}) for b in manifest["buffers"].values() if b["shape"][0] == "O")
        self.max_outputs = max(1, min(slots, self.max_rows, self._binding_limit // per_output))
        self.sizes = {"T": self.max_rows, "O": self.max_outputs, "S": slots, "C": self.context}
        self.ex = Executor(self.device)
        self.buffers: dict[str, object] = {}
        self._readbacks: list[object] = []
        self._rings: dict[str, object] = {}
        self.epoch = 0   # bumped when the kernels' variant changes

    def buffer(self, name: str):
        buf = self.buffers.get(name)
        if buf is None:
            entry = self.manifest["buffers"][name]
            size = _shape_bytes(entry["shape"], self.sizes)
            if size > self._binding_limit:
                raise LimitError(f"buffer {name} needs {size} bytes for {self.slots} slots, over this adapter's "
                                 f"max-storage-buffer-binding-size {self._binding_limit}; load fewer slots")
            buf = self.buffers[name] = self.ex.storage(size=size, label=name)
        return buf

    def kernel(self, name: str) -> None:
        if name not in self.ex.programs:
            self.ex.add(self._program(name, self.variant))

    def _program(self, name: str, variant: str) -> KernelProgram:
        k = self.manifest["kernels"][name]
        return KernelProgram.from_entry(name, k["bindings"], k["variants"][variant],
                                        lambda e: (self.artifact / e["file"]).read_text())

    def use_variant(self, variant: str) -> None:
        """Run every kernel built so far as `variant` (the autotuner's trials and its choice): same bindings, so the
        stages' bind groups, weights and buffers serve it unchanged."""
        if variant == self.variant:
            return
        if step_rows(self.manifest, variant) != self.max_rows:   # buffers are sized for this many rows a step
            raise ValueError(f"variant {variant} runs {step_rows(self.manifest, variant)} rows a step, not {self.max_rows}")
        for name in list(self.ex.programs):
            self.ex.replace(self._program(name, variant))
        self.variant = variant
        self.epoch += 1   # stages re-resolve their dispatch plans

    def write_step(self, step: Step) -> None:
        """Params, control words and CPU-known token ids of `step` (queue-ordered: earlier submits keep theirs)."""
        q = self.device.queue
        layout = self.manifest["params"]
        q.write_buffer(self.ex.params, 0, pack_params(layout, len(step.rows), len(step.outputs)))
        q.write_buffer(self.buffer("ctl"), 0, pack_ctl(layout, step))
        if "tokens" in self.buffers and any(r.token is not None for r in step.rows):
            ids = np.array([0 if r.token is None else r.token for r in step.rows], np.uint32)
            q.write_buffer(self.buffers["tokens"], 0, ids.tobytes())

    def ring(self, name: str, nbytes: int):
        """A COPY_SRC staging buffer of at least nbytes for per-step params and ctl of a burst (grown on demand)."""
        buf = self._rings.get(name)
        if buf is None or buf.size < nbytes:
            buf = self._rings[name] = self.device.create_buffer(
                size=max(256, nbytes), usage=wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST, label=name)
        return buf

    def readback(self, nbytes: int):
        """A MAP_READ buffer of at least nbytes, from the pool (give it back with release)."""
        for i, rb in enumerate(self._readbacks):
            if rb.size >= nbytes:
                return self._readbacks.pop(i)
        return self.device.create_buffer(size=max(4, (nbytes + 3) // 4 * 4), usage=READBACK)

    def release(self, rb) -> None:
        self._readbacks.append(rb)


class Stage:
    """Units `units` of an artifact on `workspace`'s device: their pipelines, weights, bind groups and KV cache."""

    def __init__(self, workspace: Workspace, units: list[str]):
        self.ws = workspace
        m = workspace.manifest
        self.manifest = m
        # Before anything is created: an adapter that is too small gets one error naming the limit.
        check_limits(needed_limits(m, workspace.variant, units, workspace.slots, workspace.max_outputs),
                     workspace.device.limits, workspace.gpu.name)
        by_name = {u["name"]: u for u in m["plan"]["units"]}
        self.units = [by_name[n] for n in units]
        self.roles = [u["role"] for u in self.units]
        self.first_role, self.last_role = self.roles[0], self.roles[-1]
        self.layers = [u["layer"] for u in self.units if u["role"] == "layer"]
        weights = {v for u in self.units for d in u["dispatches"] for v in d["bind"].values() if v in m["weights"]}
        self.weight_bytes = 0
        self.weights: dict[str, object] = {}
        for shard in m["shards"]:
            if not set(shard["units"]) & set(units):
                continue   # only this range's shards are read
            for name, arr in load_shard(workspace.artifact, shard).items():
                if name in weights and name not in self.weights:
                    self.weights[name] = workspace.ex.storage(arr, label=name)
                    self.weight_bytes += arr.nbytes
        missing = weights - set(self.weights)
        if missing:
            raise ArtifactError(f"{workspace.artifact}: weight {sorted(missing)[0]} is in no shard of its unit")
        self.steps: list[tuple[str, object]] = []
        for u in self.units:
            for d in u["dispatches"]:
                workspace.kernel(d["kernel"])
                bufs = {b: self.weights[v] if v in self.weights else workspace.buffer(v) for b, v in d["bind"].items()}
                self.steps.append((d["kernel"], workspace.ex.bind_group(d["kernel"], bufs)))
        self.state = [s for u in self.units for s in u["state"]]
        self._plans: dict[tuple[int, int], list] = {}
        self._epoch = workspace.epoch

    @classmethod
    def load(cls, artifact: str | Path, first: str | None = None, last: str | None = None, *,
             slots: int | None = None, variant: str | None = None, gpu: Gpu | None = None,
             workspace: Workspace | None = None) -> "Stage":
        """Units first..last (default: all) of `artifact`; a new workspace unless one is given (a local chain)."""
        if workspace is None:
            manifest = read_manifest(Path(artifact))
            names = unit_names(manifest, first, last)
            workspace = Workspace.create(artifact, names, slots=slots, variant=variant, gpu=gpu, manifest=manifest)
        return cls(workspace, unit_names(workspace.manifest, first, last))

    # -- what crosses the stage's edges
    @property
    def input(self) -> dict | None:
        """The boundary entry a stage that does not start with embed reads from the previous stage (x or logits)."""
        return None if self.first_role == "embed" else self.units[0]["reads"][0]

    @property
    def output(self) -> dict:
        """The boundary entry (buffer, dtype, rows, row_bytes) the last unit writes: x, logits or sampled."""
        return self.units[-1]["writes"][-1]

    def plan(self, n_rows: int, n_out: int) -> list[tuple]:
        """The dispatches of a step of n_rows rows and n_out outputs (Executor.plan), resolved once per pair: the
        sizes depend only on those two."""
        if self._epoch != self.ws.epoch:
            self._plans, self._epoch = {}, self.ws.epoch
        plan = self._plans.get((n_rows, n_out))
        if plan is None:
            plan = self._plans[(n_rows, n_out)] = self.ws.ex.plan(self.steps, n_rows, n_out)
        return plan

    def record(self, cpass, n_rows: int, n_out: int) -> None:
        self.ws.ex.record_plan(cpass, self.plan(n_rows, n_out))

    def run(self, step: Step, x: bytes | np.ndarray | None = None) -> np.ndarray:
        """Run one step on its own (host in, host out): token ids come from step.rows; a stage that does not start
        with embed also takes its input activations `x` (wire bytes or a (rows, width) array). Returns the output
        rows: activations (rows, width), logits (outputs, vocab) or sampled ids (outputs,)."""
        ws = self.ws
        step.check(max_rows=ws.max_rows, max_outputs=ws.max_outputs, slots=ws.slots, context=ws.context,
                   vocab=self.manifest["model"]["config"]["vocab_size"], needs_tokens=self.first_role == "embed")
        inp = self.input
        if inp is not None:
            width = inp["row_bytes"] // 4
            rows = len(step.rows) if inp["rows"] == "T" else len(step.outputs)
            if x is None:
                raise ValueError(f"this stage starts with {self.units[0]['name']}: it needs input activations")
            arr = wire.decode(x, width=width, max_rows=ws.max_rows) if isinstance(x, (bytes, bytearray, memoryview)) \
                else np.asarray(x, np.float32)
            if arr.shape != (rows, width):
                raise ValueError(f"input activations are {arr.shape}, this step needs {rows} rows of {width}")
            if not np.isfinite(arr).all():
                raise ValueError("input activations hold NaN or infinity")
            if arr.size:   # a sample stage in a step without outputs gets no rows (wgpu rejects an empty write)
                ws.device.queue.write_buffer(ws.buffer(inp["buffer"]), 0, np.ascontiguousarray(arr, np.float32).tobytes())
        elif any(r.src is not None for r in step.rows):
            raise ValueError("a stage run on its own takes token ids, not src references")
        ws.write_step(step)
        enc = ws.device.create_command_encoder()
        cp = enc.begin_compute_pass()
        self.record(cp, len(step.rows), len(step.outputs))
        cp.end()
        ws.device.queue.submit([enc.finish()])
        out = self.output
        n = len(step.rows) if out["rows"] == "T" else len(step.outputs)
        data = ws.device.queue.read_buffer(ws.buffer(out["buffer"]), 0, max(4, n * out["row_bytes"]))
        arr = np.frombuffer(bytes(data), dtype=np.uint32 if out["dtype"] == "u32" else np.float32)
        width = out["row_bytes"] // 4
        return arr[:n * width].reshape(n, width) if width > 1 else arr[:n].copy()


@dataclass
class Pending:
    """A submitted step of a LocalChain: where its sampled ids (and kept logits rows) will be read from."""

    n_out: int
    ids: object                  # MAP_READ buffer
    logits: object | None        # MAP_READ buffer of the kept logits rows, or None
    keep: list[int]
    burst: "_Burst | None" = None   # a step of a burst: its ids are slot `index` of the burst's one readback
    index: int = 0
    submission: int | None = None   # wgpu-native's submission index (executor.wait_for)


class _Burst:
    """The sampled ids of every step of a burst, in one readback buffer mapped once (at the first collect)."""

    def __init__(self, ws: "Workspace", buf, stride: int, steps: int):
        self.ws, self.buf, self.stride, self.steps, self.ids, self.left = ws, buf, stride, steps, None, steps
        self.submission: int | None = None

    def take(self, i: int, n: int) -> list[int]:
        if self.ids is None:
            wait_for(self.ws.device, self.submission)
            self.ids = read_back(self.ws.device, self.buf, self.stride * self.steps, np.uint32, self.submission)
            self.ids = self.ids.reshape(self.steps, -1)
            self.ws.release(self.buf)
        self.left -= 1
        return self.ids[i, :n].tolist()


def submit_cuts(n: int, first: int = 8) -> list[int]:
    """Where a step of n dispatches is cut into submits: after `first`, then after every chunk twice the one before.

    Why: wgpu-native's encoding costs the CPU about 10 us a dispatch (the H200 machine: 1.5-1.75 ms for a
    154-dispatch decode step), and the GPU runs nothing of a command buffer before it is submitted. A prompt's
    step costs the GPU more per dispatch than that, so once the first few are submitted the GPU stays ahead while
    the CPU encodes the rest, and most of the encoding leaves the time to first token. Chunks double so that few
    submits are added. H200, synthetic SmolLM2, 3 rounds x 5 cold prompts whole and chunked in turn, on three
    machines: first token after 4.45 / 6.92 / 13.48 ms whole against 3.61 / 5.78 / 12.74 chunked at 16 / 128 /
    512 tokens; 4.67 / 7.30 / 14.22 against 3.90 / 6.04 / 12.77; 4.69 / 7.22 / 14.13 against 3.42 / 5.77 / 12.64
    (and on a fourth, cut only on an idle GPU, 2 rounds: 4.57 / 7.67 / 14.39 against 3.96 / 5.90 / 12.38)."""
    if first < 1:
        raise ValueError(f"submit_cuts: the first chunk needs at least one dispatch, got {first}")
    cuts, end, size = [], first, first
    while end < n:
        cuts.append(end)
        size *= 2
        end += size
    return cuts


class LocalChain:
    """Stages on one device sharing one workspace, run as one compute pass per step (on an idle GPU, a step with
    prompt rows as one pass per chunk: submit_cuts). Rows may take their token from the previous step's sampled
    ids on the GPU (`Row.src`), so decode steps can be submitted ahead of reading them."""

    chainable = True

    def __init__(self, stages: list[Stage]):
        if not stages or len({id(s.ws) for s in stages}) != 1:
            raise ValueError("a LocalChain needs stages that share one workspace")
        _check_contiguous(stages)
        self.stages, self.ws = stages, stages[0].ws
        if stages[0].first_role != "embed" or stages[-1].last_role != "sample":
            raise ValueError("a LocalChain runs the whole model: embed first, sample last")
        ws = self.ws
        self.max_rows, self.max_outputs, self.slots, self.context = ws.max_rows, ws.max_outputs, ws.slots, ws.context
        self.vocab = ws.manifest["model"]["config"]["vocab_size"]
        self.autotune: dict | None = None   # the autotuner's record when this load timed the candidates
        # Whether a step with prompt rows (rows beyond its outputs) is submitted in chunks (submit_cuts) when the
        # GPU is idle: there the early start shortens the time to first token. Not while earlier steps run, as
        # decode steps beside a prompt chunk do: the GPU is busy then, and the extra submits would cost the CPU,
        # which a GPU's decode waits on. Decode steps never are. Nor on CPU adapters, where the encoding is small
        # beside a step: on this project's 2-core VM, in one run of synthetic SmolLM2's `gpu` programs on
        # lavapipe, a 9-token prompt's first token came after 6.6 s chunked (4.9 s of it inside its submits)
        # against 4.7 s whole.
        self.split_prompts = ws.gpu.adapter_type != "CPU"

    @classmethod
    def load(cls, artifact: str | Path, *, slots: int | None = None, variant: str | None = None,
             gpu: Gpu | None = None, split: list[int] | None = None, autotune: bool | None = None) -> "LocalChain":
        """The whole model as one stage, or cut before the layers in `split` into stages on one workspace.

        Without a `variant` (or WEBSHARD_VARIANT), the variant is the manifest rules' choice or, where the rules
        name candidates, the autotuner's: read from its cache, or timed now on this model (autotune.py)."""
        from . import autotune as at

        manifest = read_manifest(Path(artifact))
        gpu = gpu or get_gpu()
        key = cands = None
        tuning = (autotune if autotune is not None else at.enabled()) and variant is None \
            and not os.environ.get("WEBSHARD_VARIANT")
        if tuning:
            _, cands = at.candidates(gpu, manifest)
            if len(cands) > 1:
                key = at.cache_key(gpu, Path(artifact), manifest, cands)
                cached = at.cached_choice(key)
                variant = cached if cached in cands else None
        ws = Workspace.create(artifact, slots=slots, variant=variant, gpu=gpu, manifest=manifest)
        ranges = split_ranges(ws.manifest, split) if split else [(None, None)]
        chain = cls([Stage.load(artifact, a, b, workspace=ws) for a, b in ranges])
        if key is not None and variant is None:
            chain.autotune = at.tune(chain, cands)
            at.store_choice(key, chain.autotune | {"adapter": gpu.name, "candidates": cands})
        return chain

    @property
    def burst_hint(self) -> int:
        """Decode steps per submit that pay here: on a GPU a step's CPU side (encode, submit, readback) is its
        bottleneck; on a CPU adapter a step takes tens of ms and a burst would only delay the stop of a reply."""
        return 1 if self.ws.variant == "cpu" else 4

    def submit(self, step: Step, keep_logits: list[int] = ()) -> Pending:
        ws = self.ws
        step.check(max_rows=self.max_rows, max_outputs=self.max_outputs, slots=self.slots, context=self.context,
                   vocab=self.vocab)
        ws.write_step(step)
        n_rows, n_out = len(step.rows), len(step.outputs)
        rest = None   # the dispatches after the chunks already submitted, when the step is cut
        if self.split_prompts and n_rows > n_out and gpu_idle(ws.device) is not False:
            rest = [d for s in self.stages for d in s.plan(n_rows, n_out)]
            start = 0
            for end in submit_cuts(len(rest)):
                enc = ws.device.create_command_encoder()
                cp = enc.begin_compute_pass()
                ws.ex.record_plan(cp, rest[start:end])
                cp.end()
                submit(ws.device.queue, [enc.finish()])
                start = end
            rest = rest[start:]
        enc = ws.device.create_command_encoder()
        cp = enc.begin_compute_pass()
        if rest is None:
            for s in self.stages:
                s.record(cp, n_rows, n_out)
        else:
            ws.ex.record_plan(cp, rest)
        cp.end()
        ids = ws.readback(4 * n_out)
        if n_out:
            enc.copy_buffer_to_buffer(ws.buffer("sampled"), 0, ids, 0, 4 * n_out)
        logits = None
        if keep_logits:
            row = self.vocab * 4
            logits = ws.readback(row * len(keep_logits))
            for i, o in enumerate(keep_logits):
                enc.copy_buffer_to_buffer(ws.buffer("logits"), o * row, logits, i * row, row)
        index = submit(ws.device.queue, [enc.finish()])
        return Pending(n_out, ids, logits, list(keep_logits), submission=index)

    def submit_burst(self, steps: list[Step]) -> list[Pending]:
        """Submit several steps at once, in one command buffer: each step's params and ctl words are copied on the
        GPU from a staging ring written once, so nothing is written between the steps. Every row of the steps after
        the first must take its token from the previous step's outputs (src): the CPU learns them only after
        the burst. Returns one Pending per step (collect them in order)."""
        ws = self.ws
        if not steps:
            return []
        for i, step in enumerate(steps):
            step.check(max_rows=self.max_rows, max_outputs=self.max_outputs, slots=self.slots, context=self.context,
                       vocab=self.vocab)
            if i and any(r.token is not None for r in step.rows):
                raise ValueError("only the first step of a burst may carry token ids; later rows name outputs (src)")
        layout = ws.manifest["params"]
        ctl_bytes = 4 * layout["ctl"]["words"]
        params_bytes = layout["bytes"]
        params_stride = 256   # copy offsets need no alignment, but keep each step's words apart and aligned
        ctl_ring = ws.ring("ctl_ring", ctl_bytes * len(steps))
        params_ring = ws.ring("params_ring", params_stride * len(steps))
        ctl_data = bytearray(ctl_bytes * len(steps))
        params_data = bytearray(params_stride * len(steps))
        for i, step in enumerate(steps):
            words = pack_ctl(layout, step)
            ctl_data[i * ctl_bytes:i * ctl_bytes + len(words)] = words
            pw = pack_params(layout, len(step.rows), len(step.outputs))
            params_data[i * params_stride:i * params_stride + len(pw)] = pw
        q = ws.device.queue
        q.write_buffer(ctl_ring, 0, bytes(ctl_data))
        q.write_buffer(params_ring, 0, bytes(params_data))
        first = steps[0]
        if "tokens" in ws.buffers and any(r.token is not None for r in first.rows):
            ids = np.array([0 if r.token is None else r.token for r in first.rows], np.uint32)
            q.write_buffer(ws.buffers["tokens"], 0, ids.tobytes())
        stride = 4 * self.max_outputs
        rb = ws.readback(stride * len(steps))
        burst = _Burst(ws, rb, stride, len(steps))
        enc = ws.device.create_command_encoder()
        ctl, params, sampled = ws.buffer("ctl"), ws.ex.params, ws.buffer("sampled")
        pending = []
        for i, step in enumerate(steps):
            enc.copy_buffer_to_buffer(params_ring, i * params_stride, params, 0, params_bytes)
            enc.copy_buffer_to_buffer(ctl_ring, i * ctl_bytes, ctl, 0, ctl_bytes)
            cp = enc.begin_compute_pass()
            for s in self.stages:
                s.record(cp, len(step.rows), len(step.outputs))
            cp.end()
            if step.outputs:
                enc.copy_buffer_to_buffer(sampled, 0, rb, i * stride, 4 * len(step.outputs))
            pending.append(Pending(len(step.outputs), None, None, [], burst, i))
        burst.submission = submit(q, [enc.finish()])
        return pending

    def collect(self, p: Pending) -> tuple[list[int], np.ndarray | None]:
        """Wait for a submitted step (not for later ones); its sampled ids and kept logits rows."""
        if p.burst is not None:
            return p.burst.take(p.index, p.n_out), None
        dev = self.ws.device
        wait_for(dev, p.submission)
        ids = read_back(dev, p.ids, 4 * p.n_out, np.uint32, p.submission).tolist() if p.n_out else []
        self.ws.release(p.ids)
        logits = None
        if p.logits is not None:
            logits = read_back(dev, p.logits, 4 * self.vocab * len(p.keep), np.float32, p.submission)
            logits = logits.reshape(len(p.keep), self.vocab)
            self.ws.release(p.logits)
        return ids, logits


class RelayChain:
    """Stages loaded apart (each its own buffers), relayed through host memory in the wire format: the exact path
    activations take between swarm workers, in one process. Each step completes before the next is planned."""

    chainable = False

    def __init__(self, stages: list[Stage], wire_dtype: str = "f32"):
        _check_contiguous(stages)
        self.stages, self.wire_dtype = stages, wire_dtype
        ws = stages[0].ws
        self.max_rows = ws.max_rows
        self.max_outputs = min(s.ws.max_outputs for s in stages)
        self.slots = min(s.ws.slots for s in stages)
        self.context = ws.context
        self.vocab = ws.manifest["model"]["config"]["vocab_size"]
        self.hop_bytes: list[int] = [0] * (len(stages) - 1)   # bytes sent over each boundary so far

    @classmethod
    def load(cls, artifact: str | Path, split: list[int], *, slots: int | None = None, variant: str | None = None,
             gpu: Gpu | None = None) -> "RelayChain":
        ranges = split_ranges(read_manifest(Path(artifact)), split)
        return cls([Stage.load(artifact, a, b, slots=slots, variant=variant, gpu=gpu) for a, b in ranges])

    def submit(self, step: Step, keep_logits: list[int] = ()) -> tuple[list[int], np.ndarray | None]:
        x = None
        for i, stage in enumerate(self.stages):
            out = stage.run(step, x)
            if stage.last_role == "sample":
                logits = None
                if keep_logits:   # the last stage ran head and sample: its logits buffer still holds the rows
                    data = stage.ws.device.queue.read_buffer(stage.ws.buffer("logits"), 0, 4 * self.vocab * len(step.outputs))
                    logits = np.frombuffer(bytes(data), np.float32).reshape(-1, self.vocab)[list(keep_logits)]
                return out.tolist(), logits
            x = wire.encode(out, self.wire_dtype)
            self.hop_bytes[i] += len(x)
        raise ArtifactError("the last stage of a chain must end with the sample unit")

    def collect(self, done):
        ids, logits = done
        return ids, logits


def _check_contiguous(stages: list[Stage]) -> None:
    plan = [u["name"] for u in stages[0].manifest["plan"]["units"]]
    names = [u["name"] for s in stages for u in s.units]
    start = plan.index(names[0])
    if names != plan[start:start + len(names)]:
        raise ValueError(f"stages must cover contiguous units in plan order, got {names[0]}..{names[-1]} out of order")


def step_input(stage, step) -> np.ndarray | None:
    """The input activations `stage` takes for `step` (None when it starts with embed): one fixed pseudo-random row,
    repeated (runtime_js/probe.js stepInput). A swarm worker's probe and its autotuner feed them to a layer, whose
    cost does not depend on the values."""
    inp = stage.input
    if inp is None:
        return None
    width = inp["row_bytes"] // 4
    rows = len(step.rows) if inp["rows"] == "T" else len(step.outputs)
    row = np.random.default_rng(0).standard_normal(width).astype(np.float32)
    return np.tile(row, (rows, 1))
