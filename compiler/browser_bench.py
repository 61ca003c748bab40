"""The benchmark run through the browser runtime, printed as the native bench prints:

- `webshard bench --browser`: inside headless Chromium (its WebGPU adapter: SwiftShader on a machine without a GPU);
- `webshard bench --dawn`: in node on Dawn, Chrome's WebGPU implementation (npm `webgpu`), on this machine's Vulkan
  adapter, which a headless Chromium cannot reach on a GPU server without a display.

artifact -> the real server (server.app, static side) on a free loopback port -> Chromium (Playwright) opens
demos/chat.html?model=<id>, or node runs runtime_js/dawn_bench.mjs, which loads the model through runtime_js/ ->
runtime_js/bench.js runBench measures -> the same JSON as compiler/native/bench.py (device, runs, targets) -> its
table. No wgpu here: the browser runtime is the runtime.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

CHROMIUM = os.environ.get("WEBSHARD_CHROMIUM", "/usr/bin/chromium")
# WebGPU on SwiftShader's Vulkan in a headless Chromium (tests/browser.py launches with these too). Without the
# Vulkan/SwiftShader flags compute works but a WebGPU canvas cannot present.
CHROMIUM_ARGS = ["--no-sandbox", "--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader",
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
# Chromium's own SwiftShader Vulkan driver (Debian's chromium ships it), for Dawn in node on a machine without a GPU:
# Dawn refuses Mesa 22.3's llvmpipe, which lacks shaderUniform*ArrayDynamicIndexing.
SWIFTSHADER_ICD = Path("/usr/lib/chromium/vk_swiftshader_icd.json")
CHAT_PROMPT = "What is the capital of France?"   # 37 tokens with SmolLM2's chat template (issue 9's TTFT case)


def run_browser_bench(artifact: Path, *, variant: str | None = None, prefill=(16, 128), contexts=(64,),
                      batch=(1,), decode_tokens: int = 16, repeats: int = 1, profile: bool = True,
                      timeout_s: float = 1800) -> dict:
    """Load `artifact` in a Chromium tab and run runtime_js/bench.js there; returns its result dict."""
    from playwright.sync_api import sync_playwright

    from server.app import ServerConfig, create_app
    from server.threaded import serve

    if not shutil.which(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} not found (apt-get install chromium, or set WEBSHARD_CHROMIUM)")
    artifact = Path(artifact).resolve()
    errors: list[str] = []
    with serve(create_app(ServerConfig(artifacts_dir=artifact.parent))) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            q = {"model": artifact.name} | ({"variant": variant} if variant else {})
            t0 = time.perf_counter()
            page.goto(f"{url}/demos/chat.html?{urlencode(q)}")
            page.wait_for_function("() => ['ready', 'error'].includes(window.__webshard?.state)",
                                   timeout=timeout_s * 1000, polling=500)
            state = page.evaluate("window.__webshard.state")
            if state != "ready":
                raise RuntimeError(f"the page failed to load the model: {page.evaluate('window.__webshard.error')}")
            page_ready_s = time.perf_counter() - t0
            opts = {"prefill": list(prefill), "contexts": list(contexts), "batch": list(batch),
                    "decodeTokens": decode_tokens, "repeats": repeats, "chatPrompt": CHAT_PROMPT, "profile": profile}
            page.set_default_timeout(timeout_s * 1000)
            result = page.evaluate("""async (opts) => {
                const { runBench } = await import('/runtime_js/bench.js');
                return await runBench(window.__webshardModel, opts);
            }""", opts)
        finally:
            browser.close()
    result["page_ready_s"] = page_ready_s
    result["browser"] = {"chromium": CHROMIUM, "console_errors": errors[-5:]}
    return result


def run_dawn_bench(artifact: Path, *, variant: str | None = None, prefill=(16, 128, 512), contexts=(64, 512, 2048),
                   batch=(1,), decode_tokens: int = 32, repeats: int = 3, profile: bool = True,
                   chat_prompt: str | None = CHAT_PROMPT, timeout_s: float = 1800) -> dict:
    """Run runtime_js/bench.js in node on Dawn's Vulkan backend (runtime_js/dawn_bench.mjs) for `artifact`
    (chat_prompt None: no chat figure, for an artifact without a real tokenizer)."""
    from server.app import ServerConfig, create_app
    from server.threaded import serve

    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node not found (apt-get install nodejs)")
    if not (ROOT / "node_modules" / "webgpu" / "package.json").is_file():
        raise RuntimeError(f"Dawn for node is missing: {ROOT / 'node_modules' / 'webgpu'} (run `npm install`)")
    artifact = Path(artifact).resolve()
    with serve(create_app(ServerConfig(artifacts_dir=artifact.parent))) as url:
        opts = {"base": f"{url}/artifacts/{artifact.name}/", "variant": variant, "prefill": list(prefill),
                "contexts": list(contexts), "batch": list(batch), "decodeTokens": decode_tokens, "repeats": repeats,
                "chatPrompt": chat_prompt, "profile": profile}
        # Dawn's Vulkan loader wants a runtime directory (it only warns, on every start, without one).
        env = {"XDG_RUNTIME_DIR": "/tmp"} | os.environ
        got = subprocess.run([node, str(ROOT / "runtime_js" / "dawn_bench.mjs"), json.dumps(opts)], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=timeout_s)
    if got.returncode != 0:
        raise RuntimeError(f"runtime_js/dawn_bench.mjs failed (exit {got.returncode}): {got.stderr[-3000:]}")
    return json.loads(got.stdout.strip().splitlines()[-1])
