"""The browser encoder (runtime_js/encoder.js + demos/search.html) in headless Chromium (SwiftShader WebGPU), served by
the real server app: the same ids and embeddings as the native runtime (tiny BERT on both kernel variants, several
packed steps; all-MiniLM-L6-v2), sentence-transformers' embeddings for MiniLM (cosine >= 0.9999), live ranking in the
search page, and the clear errors of the chat page."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from compiler.build import compile_source
from tests.browser import Console, chromium_browser
from tests.static_site import serve
from tests.tiny_bert import SENTENCES, make_tiny_bert

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_st_reference.json"
SETTLED = "() => ['ready', 'error'].includes(window.__webshard?.state) && (window.__webshard.searches > 0 || " \
          "!new URLSearchParams(location.search).has('q') || window.__webshard.state === 'error')"
EMBED = "async (texts) => (await window.__webshardEncoder.embed(texts)).map((v) => Array.from(v))"
IDS = "(texts) => window.__webshardEncoder.encode(texts).map((e) => e.ids)"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def tiny(models_dir, tmp_path_factory) -> Path:
    """tiny-bert with f16 matrices, 24 rows per step and a context of 12: batches take several steps, and the long
    sentence is cut."""
    art = models_dir / "tiny-bert"
    compile_source(make_tiny_bert(tmp_path_factory.mktemp("src")), art, model_id="tiny-bert", max_context=12,
                   max_tokens=24, progress=False)
    return art


@pytest.fixture(scope="module")
def site(models_dir):
    from server.app import ServerConfig, create_app

    with serve(create_app(ServerConfig(artifacts_dir=models_dir))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


@pytest.fixture
def ctx(browser):
    c = browser.new_context()
    yield c
    c.close()


def open_search(context, url: str, query: str, timeout_s: float = 300):
    page = context.new_page()
    console = Console(page)
    page.goto(f"{url}/demos/search.html?{query}")
    try:
        page.wait_for_function(SETTLED, timeout=timeout_s * 1000, polling=250)
    except Exception as e:
        raise AssertionError(f"search page did not settle: {e}\nstate: {page.evaluate('window.__webshard')}\n"
                             f"console:\n{console}") from None
    return page.evaluate("window.__webshard"), page, console


def assert_ready(state, console):
    assert state["state"] == "ready", f"page failed: {state['error']}\nconsole:\n{console}"
    assert not console.errors(), f"console errors:\n{console}"


@pytest.mark.parametrize("variant", ["cpu", "gpu"])
def test_tiny_bert_matches_native(ctx, site, tiny, gpu, variant):
    from compiler.native.encoder import Encoder

    state, page, console = open_search(ctx, site, f"model=tiny-bert&variant={variant}&q=the+cat")
    assert_ready(state, console)
    assert state["variant"] == variant and "swiftshader" in state["adapter"].lower()
    assert len(state["results"]) == len(state["corpus"]) and state["results"][0]["score"] >= state["results"][-1]["score"]
    # Each result is shown with its similarity as a bar (width = similarity) and a number.
    assert page.locator("#results li").count() == len(state["corpus"])
    first = page.locator("#results li").first
    assert first.locator(".score > span").last.inner_text() == f"{state['results'][0]['score']:.3f}"
    width = first.locator(".bar > span").evaluate("(e) => e.style.width")
    assert width == f"{max(0.0, state['results'][0]['score']) * 100:.1f}%"
    texts = SENTENCES * 2
    native = Encoder.load(tiny, variant=variant)
    assert page.evaluate(IDS, texts) == [e.ids for e in native.encode(texts)]
    got = np.array(page.evaluate(EMBED, texts), np.float32)
    np.testing.assert_allclose(got, native.embed(texts), rtol=1e-5, atol=2e-6)
    refused = page.evaluate("async (t) => { try { await window.__webshardEncoder.embed(t, {truncate: false}); "
                            "return null; } catch (e) { return e.message; } }", SENTENCES)
    assert refused == "text 3 is 33 tokens; tiny-bert embeds at most 12 (leave truncate on to cut it)"


def test_step_planning_is_the_native_one(ctx, site, tiny):
    from compiler.native.encoder import plan_steps, truncate

    page = ctx.new_page()
    page.goto(f"{site}/demos/search.html?model=no-such-model")   # any page of the site can import the module
    cases = [([5, 5, 5], 10, 8), ([2] * 5, 100, 2), ([10, 1], 10, 8), ([1] * 9, 4, 3)]
    got = page.evaluate("async (cases) => { const m = await import('/runtime_js/encoder.js'); "
                        "return cases.map(([l, r, s]) => m.planSteps(l, r, s)); }", cases)
    assert got == [plan_steps(*c) for c in cases]
    assert page.evaluate("async () => (await import('/runtime_js/encoder.js')).truncate([1, 2, 3, 4, 5], 3)") \
        == truncate([1, 2, 3, 4, 5], 3)


@pytest.mark.parametrize("init_script, model, title, details", [
    ("delete Navigator.prototype.gpu;", "tiny-bert", "WebGPU is not available", "does not offer WebGPU"),
    ("", "no-such-model", "Something went wrong", "HTTP 404"),
], ids=["no-webgpu", "missing-model"])
def test_errors_are_shown(ctx, site, tiny, init_script, model, title, details):
    if init_script:
        ctx.add_init_script(init_script)
    state, page, console = open_search(ctx, site, f"model={model}")
    assert state["state"] == "error" and details in state["error"]
    shown = page.locator("#error").inner_text()
    assert title in shown and details in shown
    assert any(details in line for line in console.errors()), str(console)
    assert page.locator("#query").is_disabled()


@pytest.mark.real_model
def test_minilm_in_the_tab(ctx, site, models_dir, gpu):
    """MiniLM in Chromium: sentence-transformers' ids and embeddings (cosine >= 0.9999), the native runtime's
    embeddings, and a search that ranks the weather sentences first for a weather question."""
    from compiler.native.encoder import Encoder

    art = models_dir / "minilm"
    compile_source("minilm", art, model_id="minilm", progress=False)
    state, page, console = open_search(ctx, site, "model=minilm&q=Will+it+rain+tomorrow%3F", timeout_s=600)
    assert_ready(state, console)
    top = [r["text"] for r in state["results"][:3]]
    assert top[0] == "Heavy rain and strong winds are expected tomorrow.", top
    ref = json.loads(FIXTURE.read_text())["sentences"]
    texts = [s["text"] for s in ref]
    assert page.evaluate(IDS, texts) == [s["ids"] for s in ref]
    got = np.array(page.evaluate(EMBED, texts), np.float32)
    want = np.array([s["embedding"] for s in ref], np.float32)
    cos = (got * want).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
    assert cos.min() >= 0.9999, cos
    np.testing.assert_allclose(got, Encoder.load(art).embed(texts), rtol=1e-4, atol=2e-6)
