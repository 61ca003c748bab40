"""The browser's autotuner (runtime_js/autotune.js) in headless Chromium (SwiftShader), on a tiny llama whose
manifest names cpu as a candidate against SwiftShader's rule, cpu_sw: the first load times both and keeps the
faster, later loads read the choice from localStorage, a forced variant skips it, a tie is broken on a long step
(against gpu, whose tiled programs run from 64 rows), a candidate the browser rejects is not chosen, and a stored
choice that stops building is forgotten. Every variant it leaves the chain on gives the interpreter's greedy
tokens. (gpu's 256-wide programs take SwiftShader several seconds each to compile, so only the tie test builds
them.)"""
from __future__ import annotations

import json
import shutil

import pytest

from compiler.build import compile_model
from compiler.importers import load_model
from compiler.reference import Interpreter
from tests.browser import Console, chromium_browser
from tests.static_site import serve
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.browser

CONTEXT = 96
STEP = 64          # rows a step: the gpu variant's tiled programs run from 64 rows, so a long step can break ties
NEW = 5

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>autotune</title>
<script type="importmap">{"imports": {
  "@huggingface/tokenizers": "/vendor/@huggingface/tokenizers/dist/tokenizers.mjs",
  "@huggingface/jinja": "/vendor/@huggingface/jinja/dist/index.js"}}</script></head><body></body></html>"""

# Loads `base` with `opts`, greedy-decodes `ids`, and reports what the load chose.
RUN = """async ([base, ids, n, opts]) => {
  const { WebModel } = await import('/runtime_js/generate.js');
  const { STORE_KEY } = await import('/runtime_js/autotune.js');
  const m = await WebModel.load(base, { slots: 1, ...opts });
  const out = [];
  for await (const id of m.generate(ids, { maxTokens: n, stopAtEos: false })) out.push(id);
  const r = { variant: m.variant, autotune: m.autotune, out, candidates: m.gpu.candidates,
              stored: JSON.parse(localStorage.getItem(STORE_KEY) ?? 'null'),
              programs: [...m.chain.ws.ex.programs.values()].map((p) => p.where) };
  m.destroy();
  return r;
}"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(ImportedModel, models dir): tiny-tuned, whose rules offer cpu against cpu_sw, and tiny-broken, its copy
    whose cpu programs do not compile."""
    d = tmp_path_factory.mktemp("autotune_browser")
    model = load_model(make_tiny_llama(d / "src"))
    models = d / "models"
    art = models / "tiny-tuned"
    compile_model(model, art, model_id="tiny-tuned", max_context=CONTEXT, max_tokens=STEP, progress=False)
    m = json.loads((art / "manifest.json").read_text())
    m["variant_choice"]["candidates"] = {"cpu_sw": ["cpu_sw", "cpu"]}
    (art / "manifest.json").write_text(json.dumps(m))
    broken = models / "tiny-broken"
    shutil.copytree(art, broken)
    mb = json.loads((broken / "manifest.json").read_text())
    mb["model"]["id"] = "tiny-broken"
    (broken / "manifest.json").write_text(json.dumps(mb))
    # Every program only the cpu variant runs (its matmuls): compiling the good ones would take SwiftShader tens
    # of seconds a load.
    cpu_files = {k["variants"]["cpu"]["file"] for k in mb["kernels"].values()}
    others = {e["file"] for k in mb["kernels"].values() for v, e in k["variants"].items() if v != "cpu"}
    assert cpu_files - others
    for target in cpu_files - others:
        (broken / target).write_text("this is not WGSL\n")
    return model, models


@pytest.fixture(scope="module")
def page(tiny):
    from server.app import ServerConfig, create_app

    with serve(create_app(ServerConfig(artifacts_dir=tiny[1]))) as url, chromium_browser() as browser:
        ctx = browser.new_context()
        page = ctx.new_page()
        page.console = Console(page)
        page.route(f"{url}/__autotune__.html", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
        page.goto(f"{url}/__autotune__.html")
        page.url_base = url
        yield page
        ctx.close()


@pytest.fixture(scope="module")
def prompt(tiny):
    ids = tiny[0].tokenizer.encode("the cat is on the mat").ids
    return ids, Interpreter(tiny[0], CONTEXT).greedy(ids, NEW)


def run(page, model: str, ids, **opts) -> dict:
    return page.evaluate(RUN, [f"{page.url_base}/artifacts/{model}/", ids, NEW, opts])


# Rewrites the choice of the (only) stored record.
SET_CHOICE = """(choice) => {
  const data = JSON.parse(localStorage.getItem('webshard.autotune'));
  for (const k of Object.keys(data)) data[k].choice = choice;
  localStorage.setItem('webshard.autotune', JSON.stringify(data));
}"""


def test_first_load_times_the_candidates_and_later_loads_read_the_choice(page, prompt):
    ids, want = prompt
    page.evaluate("() => localStorage.clear()")
    wgsl: list[str] = []
    listen = lambda request: wgsl.append(request.url) if request.url.endswith(".wgsl") else None  # noqa: E731
    page.on("request", listen)
    first = run(page, "tiny-tuned", ids)
    page.remove_listener("request", listen)
    # The cache key reads every candidate's WGSL; the workspace and the trials reuse what it fetched.
    assert wgsl and len(wgsl) == len(set(wgsl)), sorted(u for u in wgsl if wgsl.count(u) > 1)
    rec = first["autotune"]
    assert rec is not None, "the first load on this adapter should time the candidates"
    cands = first["candidates"]
    assert cands == ["cpu_sw", "cpu"], cands   # SwiftShader's rule first
    assert set(rec["ms"]) == set(cands) and not rec["rejected"], rec       # each built and matched the rule's logits
    assert all(ms > 0 for ms in rec["ms"].values())
    assert rec["choice"] == first["variant"] and rec["choice"] in rec["ms"]
    if "long_ms" not in rec:
        assert rec["ms"][rec["choice"]] == min(rec["ms"].values())
    assert first["out"] == want
    (entry,) = first["stored"].values()
    assert entry["choice"] == rec["choice"] and entry["candidates"] == cands
    again = run(page, "tiny-tuned", ids)
    assert again["autotune"] is None and again["variant"] == rec["choice"], "read from the cache, nothing timed"
    assert again["out"] == want and again["stored"] == first["stored"]
    # The stored choice is what a load runs, whichever candidate it names (here the one not chosen).
    other = next(v for v in cands if v != rec["choice"])
    page.evaluate(SET_CHOICE, other)
    swapped = run(page, "tiny-tuned", ids)
    assert swapped["autotune"] is None and swapped["variant"] == other and swapped["out"] == want
    page.evaluate(SET_CHOICE, rec["choice"])
    forced = run(page, "tiny-tuned", ids, variant="cpu")
    assert forced["autotune"] is None and forced["variant"] == "cpu" and forced["candidates"] == ["cpu"]
    assert forced["out"] == want and forced["stored"] == first["stored"]
    off = run(page, "tiny-tuned", ids, autotune=False)
    assert off["autotune"] is None and off["variant"] == "cpu_sw"   # the rules' choice, cache or not
    assert not page.console.errors(), str(page.console)


TIE = """async ([base, ids, n]) => {
  const { WebModel } = await import('/runtime_js/generate.js');
  const { tune, longStepRows } = await import('/runtime_js/autotune.js');
  const m = await WebModel.load(base, { slots: 1, autotune: false });
  // Every candidate ties on decode (whatever this VM's noise), so the long step decides.
  const rec = await tune(m.chain, ['cpu_sw', 'gpu'], { repeats: 1, tie: 1e9 });
  const out = [];
  for await (const id of m.generate(ids, { maxTokens: n, stopAtEos: false })) out.push(id);
  const r = { rec, out, variant: m.chain.ws.variant, rows: longStepRows(m.manifest, ['cpu', 'cpu_sw'], 64) };
  m.destroy();
  return r;
}"""


def test_a_decode_tie_is_broken_on_a_long_step(page, prompt):
    ids, want = prompt
    r = page.evaluate(TIE, [f"{page.url_base}/artifacts/tiny-tuned/", ids, NEW])
    rec = r["rec"]
    assert rec["long_rows"] == STEP and set(rec["long_ms"]) == set(rec["ms"]), rec
    assert rec["choice"] == min(rec["long_ms"], key=rec["long_ms"].get) == r["variant"]
    assert r["rows"] == 0, "variants without tiled programs have no long step"
    assert r["out"] == want


def test_a_candidate_the_browser_rejects_is_not_chosen(page, prompt):
    ids, want = prompt
    page.evaluate("() => localStorage.clear()")
    r = run(page, "tiny-broken", ids)
    rec = r["autotune"]
    assert list(rec["rejected"]) == ["cpu"] and "rejected kernel" in rec["rejected"]["cpu"], rec
    assert list(rec["ms"]) == ["cpu_sw"] and r["variant"] == "cpu_sw"
    assert r["programs"] and all(w.startswith("cpu_sw variant") for w in r["programs"]), \
        "a failed candidate leaves every kernel as it was"
    assert r["out"] == want


def test_a_cached_choice_that_no_longer_builds_is_forgotten(page, prompt):
    """A stored choice whose WGSL this browser now rejects (as after a browser update the key cannot see): the load
    forgets it, loads the rules' variant, and times the candidates again."""
    ids, want = prompt
    page.evaluate("() => localStorage.clear()")
    first = run(page, "tiny-broken", ids)
    page.evaluate(SET_CHOICE, "cpu")   # the broken candidate, as if it had won on an earlier browser
    r = run(page, "tiny-broken", ids)
    assert r["autotune"] is not None and "cpu" in r["autotune"]["rejected"], "timed again"
    assert r["variant"] == "cpu_sw" and r["out"] == want
    (entry,) = r["stored"].values()
    assert entry["choice"] == "cpu_sw" and first["stored"].keys() == r["stored"].keys()


# A swarm worker's capability probe (runtime_js/worker.js), without a coordinator: twice, and once forced.
PROBE = """async ([base, variant]) => {
  const { SwarmWorker } = await import('/runtime_js/worker.js');
  const { fetchManifest } = await import('/runtime_js/artifact.js');
  const w = new SwarmWorker({ server: location.origin, token: 't', variant, test: { memoryBytes: 1 << 20 } });
  w.base = base;
  w.manifest = await fetchManifest(base);
  const cap = await w.capability({ unit: 'layer.0', steps: 2 });
  return { variant: cap.variant, layerMs: cap.layer_ms, autotune: w.status.autotune, status: w.status.variant,
           stored: JSON.parse(localStorage.getItem('webshard.autotune') ?? 'null') };
}"""


def test_a_swarm_worker_tunes_its_probe_layer_and_reports_the_choice(page):
    """A worker tab times the candidates on its probe layer before it reports its capability (the variant and the
    step time the planner weighs are the choice's), stores the choice as a model's load does, and a later probe on
    this adapter reads it."""
    page.evaluate("() => localStorage.clear()")
    seen = len(page.console.lines)   # the page is shared: earlier tests' rejected kernels logged errors
    base = f"{page.url_base}/artifacts/tiny-tuned/"
    first = page.evaluate(PROBE, [base, None])
    rec = first["autotune"]
    assert rec is not None and set(rec["ms"]) == {"cpu_sw", "cpu"} and not rec["rejected"], rec
    assert first["variant"] == first["status"] == rec["choice"] and first["layerMs"] > 0
    (entry,) = first["stored"].values()
    assert entry["choice"] == rec["choice"] and entry["candidates"] == ["cpu_sw", "cpu"]
    again = page.evaluate(PROBE, [base, None])
    assert again["autotune"] is None and again["variant"] == rec["choice"], "read from the cache, nothing timed"
    forced = page.evaluate(PROBE, [base, "cpu"])
    assert forced["autotune"] is None and forced["variant"] == "cpu"
    errors = [line for line in page.console.lines[seen:] if line.startswith(("[error]", "[pageerror]"))]
    assert not errors, str(page.console)
