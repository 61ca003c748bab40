"""Development load test: aggregate tok/s and time to first token for N concurrent streaming chat requests.

    .venv/bin/python tests/dev/load.py [--url http://127.0.0.1:8000] [--concurrency 1,4,8,16] [--tokens 32]

Without --url it starts `webshard serve` for the default model (no swarm) in a subprocess with as many slots as the
largest concurrency, and stops it at the end. Each level sends that many different greedy chat requests at once
through the real `openai` client, streaming, and reports aggregate generated tok/s (all tokens / wall time) and
p50/p95 time to the first token. Figures only.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["What is the capital of France?", "Name a primary colour.", "What is 2 + 2?", "Say hello.",
             "What do bees make?", "Name a planet.", "What is ice made of?", "Which animal barks?",
             "What colour is the sky?", "How many legs has a spider?", "What is the opposite of hot?",
             "Name a fruit.", "What do cows drink?", "Where do fish live?", "What is snow?", "Name a tree."]


def start_server(slots: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(ROOT / ".venv/bin/webshard"), "serve", "--port", str(port), "--no-swarm",
                             "--slots", str(slots), "--max-queue", "64"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/v1/models", timeout=5)
            return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise RuntimeError("the server did not start")


def one(client, model: str, question: str, tokens: int) -> tuple[float, int, float]:
    t0 = time.perf_counter()
    first, n = None, 0
    stream = client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}],
                                            max_tokens=tokens, temperature=0, stream=True,
                                            stream_options={"include_usage": True})
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content and first is None:
            first = time.perf_counter() - t0
        if chunk.usage:
            n = chunk.usage.completion_tokens
    return first or (time.perf_counter() - t0), n, time.perf_counter() - t0


def main() -> int:
    import openai

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", default=None)
    ap.add_argument("--concurrency", default="1,4,8,16")
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server(max(levels))
    try:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=os.environ.get("WEBSHARD_API_KEY", "unused"),
                               max_retries=0, timeout=3600)
        model = client.models.list().data[0].id
        one(client, model, QUESTIONS[0], 2)   # warm
        rows = []
        for c in levels:
            qs = [QUESTIONS[i % len(QUESTIONS)] for i in range(c)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(c) as pool:
                res = list(pool.map(lambda q: one(client, model, q, args.tokens), qs))
            wall = time.perf_counter() - t0
            ttft = sorted(r[0] for r in res)
            rows.append({"concurrency": c, "tokens": sum(r[1] for r in res), "wall_s": wall,
                         "aggregate_tok_s": sum(r[1] for r in res) / wall,
                         "ttft_p50_s": statistics.median(ttft),
                         "ttft_p95_s": ttft[min(len(ttft) - 1, int(round(0.95 * (len(ttft) - 1))))]})
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(f"{'concurrent':>10} {'tokens':>7} {'wall s':>8} {'aggregate tok/s':>16} {'TTFT p50 s':>11} {'p95 s':>7}")
        for r in rows:
            print(f"{r['concurrency']:>10} {r['tokens']:>7} {r['wall_s']:>8.1f} {r['aggregate_tok_s']:>16.2f} "
                  f"{r['ttft_p50_s']:>11.2f} {r['ttft_p95_s']:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
