"""The coordinator's bookkeeping, without workers or an adapter: whether the API is routed to the swarm while it
re-plans, and what /v1/swarm reports for the dashboard (tokens over time, replays)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from server.swarm.coordinator import Coordinator
from tests.swarm_helpers import compile_tiny


@pytest.fixture(scope="module")
def art(tmp_path_factory):
    return compile_tiny(tmp_path_factory.mktemp("coord"), layers=2)[1]


def test_a_request_during_a_replan_waits_for_the_new_pipelines(art):
    """A re-plan marks every pipeline not ready while it reloads what moved. A request arriving then used to be
    refused with 503 under --swarm-only (the slowed-worker tests hit it at random); now the swarm keeps covering the
    model, and the request parks in the backend until the new pipelines take it, as requests in flight do."""
    async def check():
        coord = Coordinator(art, token="t")
        coord.ensure_started()
        try:
            assert not coord.serving, "no pipeline yet: nothing to wait for"
            coord.pipelines = [SimpleNamespace(ready=True)]
            assert coord.serving
            coord.pipelines[0].ready = False          # paused by a re-plan, or its worker is gone
            assert not coord.serving, "no re-plan coming: a request must not wait forever"
            coord._replan_pending = True
            assert coord.serving
            coord._replan_pending = False
            async with coord._plan_lock:              # the re-plan itself, reloading workers
                assert coord.serving
            coord.pipelines = []                      # the re-plan found no way to cover the model
            assert not coord.serving
        finally:
            coord.close()

    asyncio.run(check())


def test_status_reports_tokens_over_time_and_replays(art):
    class Backend:
        async def regroup(self, pipelines):
            return 2                                  # two unfinished sequences moved over

    async def check():
        coord = Coordinator(art, token="t")
        coord.backend = Backend()
        coord.ensure_started()
        try:
            await coord._monitor_once()
            coord.tokens += 30
            await asyncio.sleep(0.1)
            await coord._monitor_once()
            await coord.replan("test")
            return coord.status()
        finally:
            coord.close()

    st = asyncio.run(check())
    assert st["tokens"] == 30 and st["t"] > 0
    first, last = st["series"][-2:]
    assert (first["tokens"], last["tokens"]) == (0, 30)
    assert last["tok_s"] == pytest.approx(30 / (last["t"] - first["t"]), rel=0.1)
    replays = [e for e in st["events"] if e["kind"] == "replay"]
    assert replays and replays[0]["detail"].startswith("2 unfinished sequences moved")


def test_a_pipeline_steps_no_more_rows_than_its_slowest_kind_of_worker_runs():
    """A tab on SwiftShader (cpu_sw) runs 64 rows a step of a 512-row artifact; a pipeline through it plans steps of
    64 rows, one of GPU workers the artifact's 512, and a worker that has not said its variant the artifact's."""
    from server.swarm.pipeline import SwarmPipeline

    m = {"limits": {"max_tokens_per_step": 512, "max_context": 64},
         "variant_choice": {"step_rows": {"cpu": 64, "cpu_sw": 64}},
         "model": {"config": {"vocab_size": 10, "d_model": 4}}}
    coord = SimpleNamespace(manifest=m)

    def worker(variant):
        return SimpleNamespace(capability={"variant": variant} if variant else None)

    def rows(*variants):
        return SwarmPipeline(coord, 0, [(worker(v), "a", "b") for v in variants], slots=2).max_rows

    assert rows("gpu", "cpu_sw") == 64
    assert rows("gpu", "gpu_sg") == 512
    assert rows(None) == 512
