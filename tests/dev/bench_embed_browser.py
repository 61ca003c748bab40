"""Sentences per second in headless Chromium (SwiftShader) and natively (wgpu-py) on the same MiniLM artifact.

Development script, not collected by pytest:  .venv/bin/python tests/dev/bench_embed_browser.py [--repeats 3]

The browser half of `webshard bench --embed` (compiler/native/bench_embed.py): the same fixed corpus, batches of 1,
8 and 64, the median of --repeats runs after a warm-up, timed inside the page around WebEncoder.embed (tokenization,
packing, every step and the read-back included). It loads demos/search.html for the encoder and prints the page's
own load and corpus figures too, then checks that the tab's embeddings of the corpus equal the native ones.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TIME_IN_PAGE = """async ({texts, batches, repeats}) => {
  const enc = window.__webshardEncoder;
  const out = [];
  for (const b of batches) {
    const batch = texts.slice(0, b);
    await enc.embed(batch);   // warm-up
    const times = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await enc.embed(batch);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    const ms = times[Math.floor(times.length / 2)];
    out.push({batch: b, ms, sentences_s: b / (ms / 1000)});
  }
  return out;
}"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", default="1,8,64")
    args = ap.parse_args()
    batches = [int(b) for b in args.batch.split(",")]

    import numpy as np

    from compiler.build import compile_source
    from compiler.native.bench_embed import corpus, time_embed
    from compiler.native.encoder import Encoder
    from server.app import ServerConfig, create_app
    from tests.browser import chromium_browser
    from tests.static_site import serve

    texts = corpus()
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp)
        art = models / "minilm"
        compile_source("minilm", art, model_id="minilm", progress=False)
        enc = Encoder.load(art)
        native = [time_embed(enc, texts[:b], args.repeats) for b in batches]
        native_vectors = enc.embed(texts)
        app = create_app(ServerConfig(artifacts_dir=models))
        with serve(app) as url, chromium_browser() as browser:
            page = browser.new_page()
            page.on("console", lambda msg: msg.type == "error" and print(f"  console: {msg.text}", file=sys.stderr))
            page.goto(f"{url}/demos/search.html?model=minilm")
            page.wait_for_function("() => ['ready', 'error'].includes(window.__webshard?.state)", timeout=900_000,
                                   polling=1000)
            state = page.evaluate("window.__webshard")
            if state["state"] != "ready":
                raise SystemExit(f"page failed: {state['error']}")
            tab = page.evaluate(TIME_IN_PAGE, {"texts": texts, "batches": batches, "repeats": args.repeats})
            vectors = np.array(page.evaluate("async (t) => (await window.__webshardEncoder.embed(t))"
                                             ".map((v) => Array.from(v))", texts), np.float32)

    print(f"all-MiniLM-L6-v2 (f16 matrices), the fixed corpus of bench_embed.py; median of {args.repeats} runs")
    print(f"  native: {enc.gpu.name} ({enc.variant} kernels)")
    print(f"  tab:    {state['adapter']} ({state['variant']} kernels); page load {state['load']['ms'] / 1000:.1f} s, "
          f"{len(state['corpus'])}-sentence demo corpus embedded in {state['corpusMs'] / 1000:.2f} s")
    for n, t in zip(native, tab):
        print(f"  batch {n['batch']:>3}: native {n['sentences_s']:8.2f} sentences/s · tab {t['sentences_s']:8.2f} "
              f"sentences/s ({t['ms']:.0f} ms per batch)")
    print(f"  tab vs native embeddings: max |diff| {np.abs(vectors - native_vectors).max():.2e}")
    print(json.dumps({"native": native, "tab": tab}))


if __name__ == "__main__":
    main()
