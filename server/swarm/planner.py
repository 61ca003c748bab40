"""The planner: which worker runs which contiguous range of plan units, in how many pipelines.

coordinator (measured speeds, memory) -> **plan(units, workers)** -> pipelines of (worker, first unit, last unit).

The problem is chain partitioning: cut the unit chain embed, layer.0 ... layer.N, head, sample into contiguous
ranges, one per worker, so that the slowest stage is as fast as possible, each range within its worker's memory.
Which workers to use and in which order is part of the answer, so the solver is an exact dynamic program over
subsets of workers (Pinar & Aykanat's chains-on-chains problem, here with heterogeneous processors chosen and
ordered by the DP):

    best[mask][j] = min over w in mask, i < j of  max(best[mask - w][i], time(w, units i..j-1))
                    where memory(units i..j-1) fits w

time(w, range) is the worker's measured time per layer-step times the range's cost in layer-equivalents (a unit's
cost is its weight bytes over a layer's: decode reads every weight once per step and is memory-bound, so the LM head,
about 13 layers of bytes in SmolLM2, is the heaviest unit), plus a fixed cost per hop. It is exact for up to
MAX_EXACT workers (2^W subsets, about a second in numpy for 8 workers and 33 units); past that only the MAX_EXACT
fastest are considered for one pipeline.

A pipeline uses a worker only when it pays: among the subsets whose bottleneck is within `slack` of the best, the
smallest one wins, and the workers left over form further pipelines (replicas) the same way, as long as they can
hold the whole model. No wgpu, no I/O: tests/test_swarm_planner.py checks it against brute force.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_EXACT = 8


@dataclass(frozen=True)
class UnitCost:
    name: str
    cost: float          # layer-equivalents of work per decode step
    weight_bytes: int    # weights it binds (a tied embedding counts in both embed and head)
    kv_bytes: int        # KV cache per slot (layers only)
    scratch_bytes: int = 0   # its activation, boundary and control buffers at full rows (shared across a stage)


@dataclass
class WorkerSpec:
    id: str
    layer_ms: float      # measured time of one layer-step (decode, one row)
    memory_bytes: int    # what the worker can hold (probed; a test can cap it)


@dataclass
class Stage:
    worker: str
    first: int           # unit indices, inclusive
    last: int
    ms: float            # modelled step time of this stage


@dataclass
class Pipeline:
    stages: list[Stage]

    @property
    def bottleneck_ms(self) -> float:
        return max(s.ms for s in self.stages)


def throughput(bottlenecks) -> float:
    """Steps per millisecond of pipelines with these bottleneck times (each full pipeline gives one per bottleneck)."""
    return sum(1.0 / b for b in bottlenecks if b > 0)


@dataclass
class Plan:
    pipelines: list[Pipeline] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)   # workers in no pipeline (too small, or not needed)

    def describe(self, units: list[UnitCost]) -> list[list[tuple[str, str, str]]]:
        return [[(s.worker, units[s.first].name, units[s.last].name) for s in p.stages] for p in self.pipelines]


def unit_costs(manifest: dict, slots: int = 1) -> list[UnitCost]:
    """Per-unit cost, weights, KV per slot and scratch, from a manifest (layer-equivalents by weight bytes)."""
    weights = manifest["weights"]
    lim = manifest["limits"]
    ctx, rows = lim["max_context"], lim["max_tokens_per_step"]

    def size(name: str) -> int:
        n = 4
        for d in manifest["buffers"][name]["shape"]:
            n *= 1 if d == "S" else ctx if d == "C" else rows if d in ("T", "O") else int(d)
        return n

    out = []
    for u in manifest["plan"]["units"]:
        names = {v for d in u["dispatches"] for v in d["bind"].values() if v in weights}
        wbytes = sum(weights[n]["bytes"] for n in names)
        kv = sum(size(s) for s in u["state"])
        scratch = sum(size(b) for b in {v for d in u["dispatches"] for v in d["bind"].values()}
                      if b in manifest["buffers"] and manifest["buffers"][b]["kind"] != "state")
        out.append(UnitCost(u["name"], 0.0, wbytes, kv, scratch))
    layer_bytes = [c.weight_bytes for c, u in zip(out, manifest["plan"]["units"]) if u["role"] == "layer"]
    per_layer = sum(layer_bytes) / max(1, len(layer_bytes))
    roles = {u["name"]: u["role"] for u in manifest["plan"]["units"]}
    result = []
    for c in out:
        # An embedding lookup reads a few rows of its table, not the table: it costs next to nothing.
        cost = 0.05 if roles[c.name] == "embed" else max(0.05, c.weight_bytes / per_layer)
        result.append(UnitCost(c.name, cost, c.weight_bytes, c.kv_bytes, c.scratch_bytes))
    return result


def range_memory(units: list[UnitCost], i: int, j: int, slots: int, shared: dict[tuple[int, int], int]) -> int:
    """Bytes a stage of units i..j-1 holds: weights (a weight bound by two units of the range counted once), the
    KV cache of `slots` slots, and scratch (shared by the range's units: the largest unit's)."""
    w = sum(u.weight_bytes for u in units[i:j]) - shared.get((i, j), 0)
    return w + slots * sum(u.kv_bytes for u in units[i:j]) + max(u.scratch_bytes for u in units[i:j])


def tied_overlaps(manifest: dict) -> dict[tuple[int, int], int]:
    """Bytes counted twice when a range holds two units that bind the same weight (a tied embedding and head)."""
    weights = manifest["weights"]
    units = manifest["plan"]["units"]
    binds = [{v for d in u["dispatches"] for v in d["bind"].values() if v in weights} for u in units]
    out: dict[tuple[int, int], int] = {}
    n = len(units)
    for i in range(n):
        seen: set[str] = set()
        dup = 0
        for j in range(i, n):
            dup += sum(weights[w]["bytes"] for w in binds[j] & seen)
            seen |= binds[j]
            if dup:
                out[(i, j + 1)] = dup
    return out


def best_pipeline(units: list[UnitCost], workers: list[WorkerSpec], *, slots: int, hop_ms: float,
                  shared: dict | None = None, slack: float = 0.1) -> Pipeline | None:
    """The pipeline over a subset of `workers` with the smallest bottleneck (within `slack`, the fewest workers);
    None when no subset can hold the model."""
    import numpy as np

    shared = shared or {}
    ws = sorted(workers, key=lambda w: w.layer_ms)[:MAX_EXACT]
    W, U = len(ws), len(units)
    if W == 0:
        return None
    prefix = np.concatenate([[0.0], np.cumsum([u.cost for u in units])])
    mem = np.array([[range_memory(units, i, j, slots, shared) if j > i else 0 for j in range(U + 1)]
                    for i in range(U + 1)], dtype=np.float64)
    best = np.full((1 << W, U + 1), np.inf)
    back_w = np.full((1 << W, U + 1), -1, dtype=np.int64)
    back_i = np.full((1 << W, U + 1), -1, dtype=np.int64)
    best[0, 0] = 0.0
    for mask in range(1 << W):
        for i in np.flatnonzero(np.isfinite(best[mask, :U])):
            for w in range(W):
                if mask >> w & 1:
                    continue
                nm = mask | (1 << w)
                # Stage w on units i..j-1 for every j > i at once.
                t = np.maximum(best[mask, i], ws[w].layer_ms * (prefix[i + 1:] - prefix[i]) + hop_ms)
                t[mem[i, i + 1:] > ws[w].memory_bytes] = np.inf
                better = t < best[nm, i + 1:]
                if better.any():
                    best[nm, i + 1:][better] = t[better]
                    back_w[nm, i + 1:][better] = w
                    back_i[nm, i + 1:][better] = i
    finite = [m for m in range(1, 1 << W) if np.isfinite(best[m, U])]
    if not finite:
        return None
    top = min(best[m, U] for m in finite)
    mask = min((bin(m).count("1"), best[m, U], m) for m in finite if best[m, U] <= top * (1 + slack))[2]
    stages = []
    j = U
    while j > 0:
        w, i = int(back_w[mask, j]), int(back_i[mask, j])
        stages.append(Stage(ws[w].id, i, j - 1, ws[w].layer_ms * float(prefix[j] - prefix[i]) + hop_ms))
        mask &= ~(1 << w)
        j = i
    return Pipeline(list(reversed(stages)))


def plan(units: list[UnitCost], workers: list[WorkerSpec], *, slots: int, hop_ms: float = 2.0,
         shared: dict | None = None, slack: float = 0.1, max_pipelines: int = 4, replica_factor: float = 2.0) -> Plan:
    """Pipelines over `workers`: the best one, then replicas from the workers it does not need, each at most
    `replica_factor` times slower than the first (a much slower replica would give its requests poor latency for
    little throughput; its workers stay unplaced until the plan changes)."""
    result = Plan()
    left = list(workers)
    while left and len(result.pipelines) < max_pipelines:
        p = best_pipeline(units, left, slots=slots, hop_ms=hop_ms, shared=shared, slack=slack)
        if p is None or result.pipelines and p.bottleneck_ms > replica_factor * result.pipelines[0].bottleneck_ms:
            break
        result.pipelines.append(p)
        used = {s.worker for s in p.stages}
        left = [w for w in left if w.id not in used]
    result.unplaced = [w.id for w in left]
    return result
