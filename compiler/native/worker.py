"""`webshard worker --server URL --token T`: this machine's GPU joins a swarm and runs the layers it is assigned.

server (coordinator, /ws/worker) <-> **worker** -> stage.py (only the assigned units) on this process's adapter.

It speaks the protocol of server/swarm/protocol.py: hello with the join token; a self-measurement (one layer's
decode step, real allocations for memory, since WebGPU reports none); then, per assignment, it downloads only the
shards of its units into a local cache (content-addressed and sha256-checked, so a second join reuses them),
reports progress and ready, and answers steps in order. runtime_js/worker.js is the same worker in a tab.

Test-only switches make it slow (`--test-throttle-ms`), small (`--test-memory-bytes`) or dishonest
(`--test-corrupt`), so the coordinator's re-planning, memory-capped placement and verification can be tested.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..kernels import VARIANTS
from ..manifest import program_files

PROTOCOL = 1
PROBE_CAP = 1 << 30        # at most this much is allocated to measure memory (a real allocation per 64 MiB)


class WorkerError(RuntimeError):
    """The server refused this worker, or a file it needs could not be fetched."""


class ArtifactMirror:
    """The parts of a served artifact this worker needs, in a local directory Stage.load can read."""

    def __init__(self, base_url: str, cache: Path):
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        u = urllib.parse.urlsplit(self.base)
        self.dir = cache / (u.netloc.replace(":", "_") or "local") / Path(u.path.strip("/")).name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest: dict | None = None

    def _get(self, rel: str) -> bytes:
        try:
            with urllib.request.urlopen(self.base + rel, timeout=60) as r:
                return r.read()
        except OSError as e:
            raise WorkerError(f"{self.base + rel}: could not be fetched ({e})") from None

    def fetch_manifest(self) -> dict:
        from ..manifest import validate_manifest

        blob = self._get("manifest.json")
        m = json.loads(blob)
        validate_manifest(m, self.base + "manifest.json")
        (self.dir / "manifest.json").write_bytes(blob)
        self.manifest = m
        return m

    def fetch_kernels(self, kernels, variant: str) -> None:
        """The files of `variant` of those kernels, always fetched: the manifest holds no hash of them, and a file of
        the same name can hold another program after a recompile (a `.tiled.wgsl` of another tiling, run with the
        new manifest's dispatch grid)."""
        m = self.manifest
        for k in sorted(set(kernels)):
            entry = m["kernels"][k]["variants"].get(variant)
            for rel in program_files(entry) if entry else []:   # a missing variant: Stage.load names it
                path = self.dir / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self._get(rel))

    def fetch_units(self, units: list[str], variant: str, progress=None) -> None:
        """The kernels of `variant` those units use (fetch_kernels), then the shards they bind (fetch_shards)."""
        wanted = set(units)
        self.fetch_kernels({d["kernel"] for u in self.manifest["plan"]["units"] if u["name"] in wanted
                            for d in u["dispatches"]}, variant)
        self.fetch_shards(units, progress)

    def fetch_shards(self, units: list[str], progress=None) -> None:
        """The shards those units bind, skipping local copies whose sha256 matches."""
        wanted = set(units)
        shards = [s for s in self.manifest["shards"] if set(s["units"]) & wanted]
        total, done = sum(s["bytes"] for s in shards), 0
        for s in shards:
            path = self.dir / s["file"]
            if not (path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == s["sha256"]):
                blob = self._get(s["file"])
                if hashlib.sha256(blob).hexdigest() != s["sha256"]:
                    raise WorkerError(f"{s['file']}: sha256 does not match the manifest")
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".partial")
                tmp.write_bytes(blob)
                os.replace(tmp, path)
            done += s["bytes"]
            if progress:
                progress(done, total)


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "webshard" / "worker"


class Worker:
    """The worker's GPU side: one thread owns the device objects (as in the server)."""

    def __init__(self, mirror: ArtifactMirror, variant: str | None, test: argparse.Namespace):
        self.mirror, self.variant_override, self.test = mirror, variant, test
        self.autotune: dict | None = None   # the autotuner's record when the probe timed the candidates
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="webshard-worker-gpu")
        self.stage = None
        self.wire = "f32"

    async def gpu(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)

    def capability(self, probe: dict) -> dict:
        from . import autotune as at
        from .batch import Row, Step
        from .gpu import get_gpu, kernel_variant
        from .stage import Stage, step_input

        gpu = get_gpu()
        m = self.mirror.manifest
        variant = kernel_variant(gpu, self.variant_override, m)
        unit = probe.get("unit", "layer.0")
        forced = self.variant_override or os.environ.get("WEBSHARD_VARIANT")
        cands = at.stage_candidates(gpu, m) if at.enabled() and not forced else [variant]
        if len(cands) > 1:   # the cache key hashes every kernel file of the candidates (autotune.cache_key)
            for v in cands:
                self.mirror.fetch_kernels(m["kernels"], v)
            self.mirror.fetch_shards([unit])
        else:
            self.mirror.fetch_units([unit], variant)
        stage = Stage.load(self.mirror.dir, unit, unit, slots=1, variant=variant, gpu=gpu)
        # The variant that runs fastest here, chosen before the step time that the planner weighs is measured.
        self.autotune = at.tune_stage(stage, cands, at.cache_key(gpu, self.mirror.dir, m, cands)) \
            if len(cands) > 1 else None
        self.variant = variant = stage.ws.variant
        times = []
        for i in range(max(2, int(probe.get("steps", 5)))):   # one-row steps: what decode runs
            step = Step([Row(0, i)])
            x = step_input(stage, step)
            t = time.perf_counter()
            stage.run(step, x)
            times.append((time.perf_counter() - t) * 1000)
        # The throttle is left out on purpose: it models a worker that slows down after it joined (another app
        # takes the GPU), which only the coordinator's measurements of real steps can notice.
        layer_ms = min(times[1:])   # the least disturbed run: other work on the machine only adds time
        memory = self.test.memory_bytes or probe_memory(gpu.device)
        info = gpu.info
        return {"type": "capability",
                "adapter": {k: str(info.get(k, "")) for k in ("vendor", "architecture", "device", "description")}
                | {"type": gpu.adapter_type, "fallback": False, "backend": gpu.backend},
                "features": sorted(gpu.features & {"shader-f16", "subgroup", "timestamp-query"}),
                "limits": {k: int(v) for k, v in gpu.device.limits.items()
                           if k in ("max-storage-buffer-binding-size", "max-buffer-size",
                                    "max-storage-buffers-per-shader-stage")},
                "variant": variant, "layer_ms": layer_ms, "memory_bytes": int(memory)}

    def load(self, first: str, last: str, slots: int, progress) -> None:
        from .stage import Stage, unit_names

        self.stage = None   # free the previous range first
        self.mirror.fetch_manifest()
        units = unit_names(self.mirror.manifest, first, last)
        self.mirror.fetch_units(units, self.variant, progress)
        self.stage = Stage.load(self.mirror.dir, first, last, slots=slots, variant=self.variant)

    def step(self, step, x: bytes | None) -> tuple[bytes, float]:
        from . import wire

        t = time.perf_counter()
        out = self.stage.run(step, x)
        if self.test.throttle_ms:
            time.sleep(self.test.throttle_ms / 1000 * max(1, len(self.stage.layers)))
        ms = (time.perf_counter() - t) * 1000
        if out.ndim == 1:   # sampled ids
            if self.test.corrupt:
                out = (out + 1) % self.mirror.manifest["model"]["config"]["vocab_size"]
            return wire.encode(out.reshape(-1, 1).astype(np.uint32), "u32"), ms
        if self.test.corrupt:
            out = out + 1.0
        return wire.encode(out, self.wire), ms


def probe_memory(device, cap: int = PROBE_CAP, chunk: int = 64 << 20) -> int:
    """Bytes this device let us allocate, up to `cap`, in real buffers (WebGPU has no memory query)."""
    import wgpu

    bufs, total = [], 0
    try:
        while total + chunk <= cap:
            bufs.append(device.create_buffer(size=chunk, usage=wgpu.BufferUsage.STORAGE))
            total += chunk
    except Exception:  # noqa: BLE001 - out of memory ends the probe
        pass
    finally:
        for b in bufs:
            b.destroy()
    return total


async def run(server: str, token: str, *, name: str = "", variant: str | None = None, cache: Path | None = None,
              test: argparse.Namespace | None = None) -> str:
    """Join `server`'s swarm and serve until the server closes the connection; returns why it ended."""
    import websockets

    from server.swarm.protocol import pack_result, unpack_step

    test = test or argparse.Namespace(throttle_ms=0.0, corrupt=False, memory_bytes=0)
    url = server.rstrip("/")
    ws_url = ("wss://" if url.startswith("https://") else "ws://") + url.split("://", 1)[-1] + "/ws/worker"
    async with websockets.connect(ws_url, max_size=64 << 20) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": PROTOCOL, "token": token, "kind": "native",
                                  "name": name or os.uname().nodename}))
        welcome = json.loads(await ws.recv())
        if welcome.get("type") != "welcome":
            raise WorkerError(f"the server refused this worker: {welcome.get('reason', welcome)}")
        # Heartbeats from now on: measuring and loading take seconds, during which the coordinator must still hear
        # from us (the GPU work runs on the worker's GPU thread, so this loop stays free).
        beat = asyncio.create_task(_heartbeat(ws, float(welcome.get("heartbeat_s", 2.0))))
        mirror = ArtifactMirror(url + welcome["model"]["base"], cache or default_cache())
        w = Worker(mirror, variant, test)
        assignment = 0
        try:
            await w.gpu(mirror.fetch_manifest)
            cap = await w.gpu(w.capability, welcome.get("probe", {}))
            await ws.send(json.dumps(cap))
            tuned = ", ".join(f"{v} {ms:.2f} ms" for v, ms in (w.autotune or {}).get("ms", {}).items())
            print(f"joined as {welcome.get('worker_id')}: {cap['variant']} kernels"
                  f"{f' (timed here: {tuned})' if tuned else ''}, {cap['layer_ms']:.2f} ms per layer-step",
                  file=sys.stderr)
            async for msg in ws:
                if isinstance(msg, bytes):
                    a, sid, step, x = unpack_step(msg)
                    if a != assignment or w.stage is None:
                        continue   # a step of an assignment this worker no longer runs
                    payload, ms = await w.gpu(w.step, step, x)
                    await ws.send(pack_result(a, sid, ms, payload))
                    continue
                m = json.loads(msg)
                if m.get("type") == "assign":
                    assignment = int(m["assignment"])
                    w.wire = m.get("wire", "f32")
                    if m.get("first") is None:
                        w.stage = None
                        continue
                    loop = asyncio.get_running_loop()

                    def progress(done, total, a=assignment):
                        loop.call_soon_threadsafe(asyncio.ensure_future, ws.send(json.dumps(
                            {"type": "progress", "assignment": a, "loaded": done, "total": total})))

                    await w.gpu(w.load, m["first"], m["last"], int(m["slots"]), progress)
                    await ws.send(json.dumps({"type": "ready", "assignment": assignment}))
                elif m.get("type") in ("evicted", "refused"):
                    return f"{m['type']}: {m.get('reason', '')}"
        finally:
            beat.cancel()
    return "the server closed the connection"


async def _heartbeat(ws, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await ws.send(json.dumps({"type": "heartbeat"}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="webshard worker", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True, help="the server's URL, e.g. http://127.0.0.1:8000")
    ap.add_argument("--token", required=True, help="the join token `webshard serve` printed")
    ap.add_argument("--name", default="", help="a name for the dashboard (default: the host name)")
    ap.add_argument("--variant", choices=VARIANTS, default=None)
    ap.add_argument("--cache-dir", type=Path, default=None, help=f"shard cache (default {default_cache()})")
    ap.add_argument("--test-throttle-ms", dest="throttle_ms", type=float, default=0.0,
                    help="TEST ONLY: sleep this long per layer per step (a slow worker)")
    ap.add_argument("--test-memory-bytes", dest="memory_bytes", type=int, default=0,
                    help="TEST ONLY: report this much memory instead of probing it")
    ap.add_argument("--test-corrupt", dest="corrupt", action="store_true",
                    help="TEST ONLY: return wrong results (the coordinator's verification must catch it)")
    args = ap.parse_args(argv)
    try:
        why = asyncio.run(run(args.server, args.token, name=args.name, variant=args.variant, cache=args.cache_dir,
                              test=args))
    except KeyboardInterrupt:
        return 130
    except (WorkerError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"worker stopped: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
