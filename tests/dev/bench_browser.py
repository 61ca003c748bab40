"""Browser (headless Chromium, SwiftShader) vs native (wgpu-py, lavapipe) on the same SmolLM2 artifact.

Development script, not collected by pytest:  .venv/bin/python tests/dev/bench_browser.py [--tokens 12]

Prints, from one run on this machine: decode tok/s in both runtimes (same prompt, greedy, same tokens checked),
cold and warm page load -> first token (warm = second load in the same browser context, shards from the Cache
API), and the shard bytes the server sent for each load.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# An open question, so the answer outlasts --tokens (the page stops at EOS, like the native runtime).
PROMPT = "Tell me about Paris."


def native(art: Path, tokens: int) -> dict:
    from compiler.native.model import Model

    m = Model.load(art)
    ids = m.encode(m.chat_prompt([{"role": "user", "content": PROMPT}]))
    m.warm_up()  # first use pays shader compilation (and warm_up leaves no prompt in the KV cache to reuse)
    out = list(m.generate(ids, max_tokens=tokens))
    return {"adapter": m.gpu.name, "ids": out, "prefill_s": m.timings.prefill_ms / 1000,
            "decode_tok_s": m.timings.decode_tok_s}


def browser_load(ctx, url: str, counts, tokens: int) -> dict:
    before = dict(counts)
    page = ctx.new_page()
    page.on("console", lambda msg: msg.type == "error" and print(f"  console: {msg.text}", file=sys.stderr))
    q = urlencode({"prompt": PROMPT, "max_tokens": tokens, "autorun": 1})
    t0 = time.perf_counter()
    page.goto(f"{url}/demos/chat.html?{q}")
    page.wait_for_function("() => ['done', 'error'].includes(window.__webshard?.state)", timeout=900_000, polling=1000)
    wall = time.perf_counter() - t0
    s = page.evaluate("window.__webshard")
    page.close()
    if s["state"] != "done":
        raise SystemExit(f"page failed: {s['error']}")
    shard_paths = [p for p in counts if "/shards/" in p and counts[p] > before.get(p, 0)]
    return {"state": s, "wall_s": wall, "shard_requests": len(shard_paths), "shard_paths": shard_paths}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=12, help="greedy tokens per run (default 12)")
    args = ap.parse_args()

    from compiler.build import compile_source
    from server.app import ServerConfig, create_app
    from tests.browser import chromium_browser
    from tests.static_site import serve

    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp)
        art = models / "smollm2"
        compile_source("smollm2", art)
        manifest = json.loads((art / "manifest.json").read_text())
        sizes = {f"/artifacts/smollm2/{s['file']}": s["bytes"] for s in manifest["shards"]}

        nat = native(art, args.tokens)
        app = create_app(ServerConfig(artifacts_dir=models))
        with serve(app) as url, chromium_browser() as browser:
            ctx = browser.new_context()
            cold = browser_load(ctx, url, app.state.request_counts, args.tokens)
            warm = browser_load(ctx, url, app.state.request_counts, args.tokens)
            ctx.close()

    def row(name: str, r: dict) -> None:
        s = r["state"]
        sent = sum(sizes[p] for p in r["shard_paths"])
        print(f"{name:>12}: load {s['load']['ms'] / 1000:6.2f} s (pipelines {s['load']['compileMs'] / 1000:.2f} s) · "
              f"first token {s['firstTokenMs'] / 1000:6.2f} s after navigation · prefill {s['stats']['prefillMs'] / 1000:.2f} s "
              f"({s['stats']['promptTokens']} tokens) · decode {s['stats']['decodeTokS']:.2f} tok/s · "
              f"shards sent {sent / 1e6:.1f} MB in {r['shard_requests']} requests · "
              f"page read {s['load']['networkBytes'] / 1e6:.1f} MB from network, {s['load']['cachedBytes'] / 1e6:.1f} MB from cache")

    print(f"SmolLM2-135M, chat prompt {PROMPT!r}, {args.tokens} greedy tokens")
    print(f"      native: {nat['adapter']} · prefill {nat['prefill_s']:.2f} s · decode {nat['decode_tok_s']:.2f} tok/s")
    print(f"     browser: {cold['state']['adapter']} ({cold['state']['variant']} kernels)")
    row("browser cold", cold)
    row("browser warm", warm)
    same = cold["state"]["ids"] == nat["ids"] == warm["state"]["ids"]
    print(f"tokens identical (native, cold, warm): {same}")
    if not same:
        print(f"  native {nat['ids']}\n  cold   {cold['state']['ids']}\n  warm   {warm['state']['ids']}")


if __name__ == "__main__":
    main()
