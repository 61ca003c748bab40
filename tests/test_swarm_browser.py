"""The swarm with browser tabs as workers (demos/worker.html, runtime_js/worker.js) in headless Chromium (SwiftShader
WebGPU), through a live server and the real `openai` client, beside tests/test_swarm_native.py's native workers:

* three tabs serve a tiny llama, and the greedy tokens are those of one native device (compiler.native.model.Model);
* a tab closed mid-generation: the request finishes with the same tokens, and the recovery time is logged;
* a tab slowed on purpose (test_throttle_ms) ends up with fewer layers once the coordinator has measured real steps;
* a tab without the join token, or with a wrong one, is refused and says so;
* f16 links (--swarm-wire f16): half the bytes per hop, the same tokens;
* a tab that lies (test_corrupt) is caught by verification and evicted, and a tab whose GPU device is lost stops
  and tells the server; both pages say why;
* the dashboard (demos/swarm.html) draws the live swarm: workers, layer bars, uPlot charts, the timeline, events;
* SmolLM2 on two tabs and one native worker (`webshard worker`) gives the single-device tokens (real_model).

Tabs of one browser context share one SwiftShader GPU process and one Cache API; every tab is a worker of its own
(its own WebSocket, device and assignment), as on a volunteer's machine.
"""
from __future__ import annotations

import time
import urllib.parse

import numpy as np
import openai
import pytest

from tests.browser import Console, chromium_browser
from tests.swarm_helpers import TOKEN, compile_tiny, ready_with, start_worker, status, stop, swarm_server, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.gpu]
PROMPTS = ["the cat is on the mat", "in the hat", "an otter at the inn is"]
WORKER_STATE = "() => window.__webshardWorker"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return compile_tiny(tmp_path_factory.mktemp("swarm-tabs"))


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


def native_text(art, prompt: str, n: int) -> str:
    from compiler.native.model import Model

    m = Model.load(art, slots=1)
    return m.decode(list(m.generate(m.encode(prompt), max_tokens=n, stop_at_eos=False)))


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=600)


def complete(url: str, prompt: str, n: int, model: str = "tiny") -> str:
    r = client(url).completions.create(model=model, prompt=prompt, max_tokens=n, temperature=0)
    return r.choices[0].text


def open_tab(ctx, url: str, token: str | None = TOKEN, **params):
    """A worker tab: demos/worker.html with these query parameters (token left out when None)."""
    page = ctx.new_page()
    page.console = Console(page)
    query = ({"token": token} if token is not None else {}) | {k: str(v) for k, v in params.items()}
    page.goto(f"{url}/demos/worker.html?{urllib.parse.urlencode(query)}")
    return page


def tab_state(page) -> dict:
    return page.evaluate(WORKER_STATE)


def layers_of(st: dict, name: str) -> int:
    """Layers the worker called `name` runs in the current plan (0 when it runs none)."""
    names = {w["id"]: w["name"] for w in st["workers"]}
    idx = {u["name"]: i for i, u in enumerate(st["units"])}
    for p in st["pipelines"]:
        for s in p["stages"]:
            if names.get(s["worker"]) == name:
                return sum(1 for u in st["units"][idx[s["first"]]:idx[s["last"]] + 1] if u["name"].startswith("layer."))
    return 0


@pytest.fixture(scope="module")
def three_tabs(tiny, browser):
    _, art = tiny
    # No straggler re-plans here: three tabs share one SwiftShader process, so one tab's loading slows the others'
    # steps for a moment, and the tests of this fixture want one plan to look at (the slowed-tab test wants them).
    with swarm_server(art, straggler=1e9) as (url, coord):
        ctx = browser.new_context()
        try:
            tabs = [open_tab(ctx, url, name=f"tab{i}") for i in range(3)]
            wait_for(url, ready_with(3), what="three ready tabs")
            yield url, coord, tabs
            for t in tabs:
                assert not t.console.errors(), f"console errors:\n{t.console}"
        finally:
            ctx.close()


def test_three_tabs_give_the_single_device_tokens(tiny, three_tabs):
    url, _, tabs = three_tabs
    st = status(url)
    stages = st["pipelines"][0]["stages"]
    assert len(stages) == 3 and stages[0]["first"] == "embed" and stages[-1]["last"] == "sample"
    assert {w["kind"] for w in st["workers"]} == {"browser"}
    for prompt in PROMPTS[:2]:
        assert complete(url, prompt, 12) == native_text(tiny[1], prompt, 12)
    states = [tab_state(t) for t in tabs]
    assert all(s["state"] == "ready" and s["steps"] > 0 and s["error"] is None for s in states), states
    # What each tab shows is what the coordinator assigned it.
    by_id = {w["id"]: w for w in status(url)["workers"]}
    for s in states:
        assert [s["range"]["first"], s["range"]["last"]] == by_id[s["workerId"]]["range"]
        assert by_id[s["workerId"]]["variant"] == s["variant"] == "cpu_sw"   # SwiftShader's, by the manifest's rules


def test_a_join_without_the_token_is_refused(three_tabs, browser):
    url, _, _ = three_tabs
    ctx = browser.new_context()
    try:
        tabs = {"none": open_tab(ctx, url, token=None), "wrong": open_tab(ctx, url, token="guess")}
        for tab in tabs.values():
            tab.wait_for_function("() => window.__webshardWorker.state === 'refused' && window.__webshardWorker.error",
                                  timeout=30_000)
            shown = tab.locator("#error [role=alert]").inner_text()
            assert "refused" in shown and "wrong join token" in shown, shown
        assert "?token=" in tab_state(tabs["none"])["error"], "a tab without a token is told where to get one"
        assert "Check the token" in tab_state(tabs["wrong"])["error"]
    finally:
        ctx.close()
    st = status(url)
    assert sum(e["kind"] == "refuse" and "token" in e["detail"] for e in st["events"]) >= 2
    assert len(st["workers"]) == 3, "refused tabs never become workers"


# Pixels of a canvas that are neither transparent nor grey: drawn series, bars.
COLOURED_PIXELS = """(canvas) => {
  const g = document.createElement('canvas');
  g.width = canvas.width; g.height = canvas.height;
  const c = g.getContext('2d');
  c.drawImage(canvas, 0, 0);
  const d = c.getImageData(0, 0, g.width, g.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 0 && Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 40) n += 1;
  }
  return n;
}"""


def test_the_dashboard_draws_the_live_swarm(three_tabs, browser, tmp_path):
    url, _, _ = three_tabs
    complete(url, PROMPTS[2], 16)   # steps for the timeline, tokens for the charts
    ctx = browser.new_context(viewport={"width": 1200, "height": 1400})
    try:
        page = ctx.new_page()
        console = Console(page)
        page.goto(f"{url}/demos/swarm.html?every=300")
        page.wait_for_function("() => window.__webshardSwarm.polls >= 2 && window.__webshardSwarm.charts === 2",
                               timeout=30_000)
        complete(url, PROMPTS[0], 8)    # live traffic while it polls
        page.wait_for_timeout(700)
        assert page.locator("#workers tr[data-worker]").count() == 3
        assert page.locator("#workers").inner_text().count("swiftshader") == 3
        bars = page.locator("#layer-map .bar")
        assert bars.count() == 3 and "embed" in bars.first.inner_text() and "sample" in bars.last.inner_text()
        assert page.locator(".uplot canvas").count() == 2
        coloured = [page.locator(sel).evaluate(COLOURED_PIXELS) for sel in
                    ("#chart-stages canvas", "#chart-tokens canvas", "#timeline")]
        assert all(n > 50 for n in coloured), f"charts and timeline draw series and bars: {coloured}"
        assert page.locator("#events li.plan").count() >= 1
        shot = tmp_path / "swarm.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        dash = page.evaluate("() => window.__webshardSwarm")
        assert dash["error"] is None and not console.errors(), console
    finally:
        ctx.close()
    # /v1/swarm is the same state as JSON, with what the dashboard draws.
    st = status(url)
    assert st["protocol"] == 1 and st["ready"] and st["tokens"] >= 24 and st["t"] > 0
    assert all(w["kind"] == "browser" and w["adapter"]["architecture"] == "swiftshader" for w in st["workers"])
    assert st["series"][-1]["tokens"] <= st["tokens"]
    assert {"tok_s", "imbalance", "pipelines"} <= set(st["series"][-1])
    assert st["pipelines"][0]["age_s"] >= max(e["end"] for e in st["timeline"])


def test_a_tab_closed_mid_generation_loses_nothing(tiny, browser):
    _, art = tiny
    want = native_text(art, PROMPTS[0], 40)
    with swarm_server(art, heartbeat_s=0.5) as (url, coord):
        ctx = browser.new_context()
        try:
            tabs = [open_tab(ctx, url, name=f"tab{i}") for i in range(3)]
            st = wait_for(url, ready_with(3), what="three ready tabs")
            middle = st["pipelines"][0]["stages"][1]["worker"]
            victim = next(t for t in tabs if tab_state(t)["workerId"] == middle)
            stream = client(url).completions.create(model="tiny", prompt=PROMPTS[0], max_tokens=40, temperature=0,
                                                    stream=True)
            text = []
            for i, chunk in enumerate(stream):
                text.append(chunk.choices[0].text if chunk.choices else "")
                if i == 5:
                    victim.close()   # the middle stage goes away mid-generation
            st = status(url)
        finally:
            ctx.close()
    assert "".join(text) == want
    assert st["recoveries_s"], "the recovery time is logged"
    kinds = [e["kind"] for e in st["events"]]
    assert "recovered" in kinds and "replay" in kinds
    assert any(e["worker"] == middle and e["kind"] in ("leave", "evict") for e in st["events"])
    assert all(w["id"] != middle for w in st["workers"])


def test_a_slowed_tab_ends_up_with_fewer_layers(tiny, browser):
    _, art = tiny
    with swarm_server(art, straggler=1.3, replan_every_s=1.0) as (url, coord):
        ctx = browser.new_context()
        try:
            open_tab(ctx, url, name="fast")
            slow = open_tab(ctx, url, name="slow", test_throttle_ms=25)
            st = wait_for(url, ready_with(2), what="two ready tabs")
            before = layers_of(st, "slow")
            assert before > 0, "the throttle is left out of the probe: at first the slow tab looks as fast"
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                complete(url, PROMPTS[1], 16)   # real steps: the coordinator measures them
                st = status(url)
                if layers_of(st, "slow") < before and st["ready"]:
                    break
            assert layers_of(st, "slow") < before, st["events"][-10:]
            assert any("straggler" in e["detail"] for e in st["events"])
            assert len(tab_state(slow)["layers"]) == layers_of(st, "slow"), "the tab shows its new range"
            assert complete(url, PROMPTS[0], 8) == native_text(art, PROMPTS[0], 8)
        finally:
            ctx.close()


def test_f16_links_between_tabs_keep_the_tokens(tiny, browser):
    """--swarm-wire f16: the tabs send activations as f16 (half the bytes per hop), and the greedy tokens stay
    the single device's."""
    model, art = tiny
    with swarm_server(art, wire="f16", straggler=1e9) as (url, coord):
        ctx = browser.new_context()
        try:
            tabs = [open_tab(ctx, url, name=f"tab{i}") for i in range(2)]
            wait_for(url, ready_with(2), what="two ready tabs")
            got = complete(url, PROMPTS[0], 16)
            st = status(url)
            states = [tab_state(t) for t in tabs]
        finally:
            ctx.close()
    assert got == native_text(art, PROMPTS[0], 16)
    assert [s["wire"] for s in states] == ["f16", "f16"]
    first = next(w for w in st["workers"] if w["id"] == st["pipelines"][0]["stages"][0]["worker"])
    rows = len(model.tokenizer.encode(PROMPTS[0]).ids) + 16 - 1   # the prompt, then one row per decode step
    header = 16 + 16                                            # RESULT header + wire header, per step
    assert first["bytes_in"] == header * first["steps"] + 2 * model.config.d_model * rows


def test_a_lying_tab_and_a_lost_device_are_evicted_and_shown(tiny, browser):
    """test_corrupt makes a tab lie; the coordinator re-runs every step natively (verify_fraction 1), evicts it,
    and the request keeps its tokens. The tab shows the eviction; test_memory is what it reports. Then the honest
    tab's GPU device is lost (simulated: the runtime's device.lost handler is called): it says so, stops, and tells
    the server, which evicts it with that reason."""
    _, art = tiny
    with swarm_server(art, verify_fraction=1.0, straggler=1e9) as (url, coord):
        ctx = browser.new_context()
        try:
            honest = open_tab(ctx, url, name="honest")
            liar = open_tab(ctx, url, name="liar", test_corrupt=1, test_memory=3 << 30)
            st = wait_for(url, ready_with(2), what="two ready tabs")
            assert {w["name"]: w["memory_bytes"] for w in st["workers"]}["liar"] == 3 << 30
            got = complete(url, PROMPTS[0], 12)
            liar.wait_for_function("() => window.__webshardWorker.state === 'evicted'", timeout=30_000)
            shown = liar.locator("#error [role=alert]").inner_text()
            after_liar = status(url)
            honest.evaluate("() => window.__webshardWorkerObject.onLost({reason: 'unknown', message: 'simulated'})")
            honest.wait_for_function("() => window.__webshardWorker.state === 'error'", timeout=30_000)
            lost = honest.locator("#error [role=alert]").inner_text()
            st = wait_for(url, lambda st: not st["workers"], timeout=30, what="the honest tab evicted")
        finally:
            ctx.close()
    assert got == native_text(art, PROMPTS[0], 12)
    assert "evicted" in shown and "verification failed" in shown, shown
    assert [w["name"] for w in after_liar["workers"]] == ["honest"]
    assert "GPU device was lost" in lost, lost
    assert any(e["kind"] == "evict" and "reported an error: The GPU device was lost" in e["detail"]
               for e in st["events"])


@pytest.mark.real_model
def test_smollm2_on_two_tabs_and_a_native_worker(smollm2_artifact, browser, tmp_path):
    """Real heterogeneity: SwiftShader tabs beside lavapipe, each measured, each given what it can carry."""
    art, manifest = smollm2_artifact
    model_id = manifest["model"]["id"]
    prompt = "The capital of France is"
    want = native_text(art, prompt, 5)
    # No straggler re-plans: measurements of a few steps are noisy, and each re-plan reloads the tabs' layers.
    with swarm_server(art, straggler=1e9) as (url, coord):
        ctx = browser.new_context()
        native = start_worker(url, tmp_path / "native", name="native")
        try:
            tabs = [open_tab(ctx, url, name=f"tab{i}") for i in range(2)]
            st = wait_for(url, ready_with(3), timeout=600, what="two tabs and a native worker")
            got = complete(url, prompt, 5, model=model_id)
            st = status(url)
            states = [tab_state(t) for t in tabs]
        finally:
            stop(native)
            ctx.close()
    assert got == want
    kinds = {w["name"]: w["kind"] for w in st["workers"]}
    assert kinds == {"native": "native", "tab0": "browser", "tab1": "browser"}
    assert len(st["pipelines"][0]["stages"]) == 3
    assert all(s["state"] == "ready" and s["steps"] > 0 for s in states), states
    # Each tab loaded only its range's shards.
    for s in states:
        names = [u["name"] for u in manifest["plan"]["units"]]
        mine = set(names[names.index(s["range"]["first"]):names.index(s["range"]["last"]) + 1])
        assert s["load"]["totalBytes"] == sum(sh["bytes"] for sh in manifest["shards"] if set(sh["units"]) & mine)
