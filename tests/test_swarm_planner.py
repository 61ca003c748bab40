"""server/swarm/planner.py: the exact chain partition against brute force, memory caps, replicas, unit costs."""
from __future__ import annotations

import itertools
import math
import random

import pytest

from server.swarm.planner import UnitCost, WorkerSpec, best_pipeline, plan, range_memory

MB = 1 << 20


def chain(n_layers: int, *, head: float = 4.0, layer_mb: int = 10, kv_mb: int = 1) -> list[UnitCost]:
    units = [UnitCost("embed", 0.05, 20 * MB, 0)]
    units += [UnitCost(f"layer.{i}", 1.0, layer_mb * MB, kv_mb * MB) for i in range(n_layers)]
    return units + [UnitCost("head", head, int(head * layer_mb) * MB, 0), UnitCost("sample", 0.1, 0, 0)]


def brute_force(units, workers, slots, hop_ms):
    """Every ordered subset of workers and every way to cut the chain into that many ranges."""
    U, best = len(units), math.inf
    for k in range(1, len(workers) + 1):
        for order in itertools.permutations(workers, k):
            for cuts in itertools.combinations(range(1, U), k - 1):
                edges = [0, *cuts, U]
                worst = 0.0
                for w, (i, j) in zip(order, zip(edges, edges[1:])):
                    if range_memory(units, i, j, slots, {}) > w.memory_bytes:
                        worst = math.inf
                        break
                    worst = max(worst, w.layer_ms * sum(u.cost for u in units[i:j]) + hop_ms)
                best = min(best, worst)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_the_dp_finds_the_brute_force_optimum(seed):
    rng = random.Random(seed)
    units = chain(rng.randint(2, 6), head=rng.choice([1.0, 3.0, 6.0]))
    workers = [WorkerSpec(f"w{i}", rng.uniform(1, 10), rng.choice([60, 120, 400]) * MB) for i in range(rng.randint(1, 4))]
    p = best_pipeline(units, workers, slots=2, hop_ms=0.5, slack=0.0)
    want = brute_force(units, workers, 2, 0.5)
    if math.isinf(want):
        assert p is None
    else:
        assert p is not None and p.bottleneck_ms == pytest.approx(want)
        # Contiguous, in order, covering every unit once.
        assert [s.first for s in p.stages][0] == 0 and p.stages[-1].last == len(units) - 1
        assert all(a.last + 1 == b.first for a, b in zip(p.stages, p.stages[1:]))


def test_a_slow_worker_gets_fewer_layers():
    units = chain(12, head=2.0)
    fast, slow = WorkerSpec("fast", 1.0, 10**12), WorkerSpec("slow", 3.0, 10**12)
    p = best_pipeline(units, [fast, slow], slots=1, hop_ms=0.0, slack=0.0)
    layers = {s.worker: sum(1 for u in units[s.first:s.last + 1] if u.name.startswith("layer")) for s in p.stages}
    assert layers["slow"] < layers["fast"]


def test_a_model_too_big_for_any_worker_is_placed_within_the_caps():
    units = chain(8)   # ~ 20 + 80 + 40 MB of weights and 8 MB of KV per slot
    total = range_memory(units, 0, len(units), 1, {})
    caps = [int(total * 0.45)] * 3   # each worker holds less than half of it, together more than all
    workers = [WorkerSpec(f"w{i}", 1.0, c) for i, c in enumerate(caps)]
    assert all(c < total for c in caps)
    p = best_pipeline(units, workers, slots=1, hop_ms=0.0)
    assert p is not None and len(p.stages) == 3
    for s in p.stages:
        assert range_memory(units, s.first, s.last + 1, 1, {}) <= caps[0]


def test_spare_workers_form_a_replica_and_unneeded_ones_are_left_out():
    units = chain(4, head=1.0)
    workers = [WorkerSpec(f"w{i}", 1.0, 10**12) for i in range(2)]
    # Hops cost more than the work they would split: each worker alone is a full pipeline, so two replicas.
    got = plan(units, workers, slots=1, hop_ms=50.0)
    assert [len(p.stages) for p in got.pipelines] == [1, 1] and not got.unplaced
    # Tiny memory: no worker can hold anything, nothing is placed.
    assert plan(units, [WorkerSpec("t", 1.0, MB)], slots=1).pipelines == []


def test_unit_costs_weigh_the_head_by_its_bytes(tmp_path):
    from compiler.build import compile_model
    from compiler.importers import load_model
    from server.swarm.planner import tied_overlaps, unit_costs
    from tests.tiny_models import make_tiny_llama

    m = compile_model(load_model(make_tiny_llama(tmp_path)), tmp_path / "art", model_id="t", max_context=32,
                      max_tokens=4, progress=False)
    costs = unit_costs(m)
    by = {c.name: c for c in costs}
    assert by["layer.0"].cost == pytest.approx(1.0, rel=0.05)
    layer_bytes = sum(c.weight_bytes for c in costs if c.name.startswith("layer.")) / 2
    assert by["embed"].cost < 0.1 and by["head"].cost == pytest.approx(by["head"].weight_bytes / layer_bytes)
    assert by["layer.1"].kv_bytes == 2 * 32 * 32 * 4   # K and V, 32 rows x 32 wide, one slot
    assert tied_overlaps(m) == {}   # the tiny llama's head is untied
