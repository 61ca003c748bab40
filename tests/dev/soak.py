"""Development soak test: N concurrent clients for M minutes against a real `webshard serve`, with a share of them
disconnecting mid-stream or mid-prefill and malformed requests mixed in.

    .venv/bin/python tests/dev/soak.py [--minutes 10] [--clients 6] [--tokens 12]

It starts the server in a subprocess (default model, no swarm, 4 slots) so it can read the server's RSS from
/proc, first records each prompt's greedy answer from a request sent alone, and then checks, for the whole run:
every completed response equals that answer; no 5xx; /v1/models answers every few seconds; and the server's memory
stays flat (RSS at start and end, after a warm-up). It prints a summary table; the exit status is 1 on any error.
"""
from __future__ import annotations

import argparse
import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ["What is the capital of France?", "Name a primary colour.", "What is 2 + 2?", "Say hello.",
           "What do bees make?", "Name a planet."]
LONG = "Summarize this. " + "The quick brown fox jumps over the lazy dog. " * 40
MALFORMED = [
    (b"{not json", "application/json"),
    (b"[" * 100000, "application/json"),
    (json.dumps({"model": "smollm2", "messages": "hi"}).encode(), "application/json"),
    (json.dumps({"model": "smollm2", "messages": [{"role": "user", "content": "hi"}], "temperature": 9}).encode(),
     "application/json"),
    (json.dumps({"model": "nope", "messages": [{"role": "user", "content": "hi"}]}).encode(), "application/json"),
    (b"hello", "text/plain"),
    (json.dumps({"model": "smollm2", "prompt": ""}).encode(), "application/json"),
]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = {"completed": 0, "wrong_text": 0, "disconnect_stream": 0, "disconnect_prefill": 0,
                  "malformed": 0, "malformed_not_4xx": 0, "server_5xx": 0, "429": 0, "client_errors": 0,
                  "models_checks": 0, "models_failures": 0}

    def add(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.c[key] += n


def chat(client: httpx.Client, prompt: str, tokens: int, stream: bool) -> httpx.Response:
    body = {"model": "smollm2", "messages": [{"role": "user", "content": prompt}], "max_tokens": tokens,
            "temperature": 0, "stream": stream}
    return client.post("/v1/chat/completions", json=body)


def client_loop(url: str, answers: dict, stats: Stats, stop: threading.Event, args, rng: random.Random) -> None:
    with httpx.Client(base_url=url, timeout=600) as client:
        while not stop.is_set():
            r = rng.random()
            try:
                if r < args.malformed_share:
                    body, ctype = rng.choice(MALFORMED)
                    resp = client.post("/v1/chat/completions", content=body, headers={"content-type": ctype})
                    stats.add("malformed")
                    if resp.status_code >= 500:
                        stats.add("server_5xx")
                    elif not 400 <= resp.status_code < 500:
                        stats.add("malformed_not_4xx")
                elif r < args.malformed_share + args.disconnect_share / 2:
                    body = {"model": "smollm2", "messages": [{"role": "user", "content": rng.choice(PROMPTS)}],
                            "max_tokens": 64, "temperature": 0, "stream": True}
                    with client.stream("POST", "/v1/chat/completions", json=body) as resp:
                        for i, _ in enumerate(resp.iter_lines()):
                            if i >= 3:
                                break   # leave mid-stream
                    stats.add("disconnect_stream")
                elif r < args.malformed_share + args.disconnect_share:
                    try:   # leave while the long prompt is still being read
                        httpx.post(url + "/v1/chat/completions", timeout=0.5, json={
                            "model": "smollm2", "messages": [{"role": "user", "content": LONG}], "max_tokens": 4})
                    except httpx.TimeoutException:
                        pass
                    stats.add("disconnect_prefill")
                else:
                    prompt = rng.choice(PROMPTS)
                    resp = chat(client, prompt, args.tokens, stream=False)
                    if resp.status_code == 429:
                        stats.add("429")
                        time.sleep(float(resp.headers.get("retry-after", "1")))
                        continue
                    if resp.status_code >= 500:
                        stats.add("server_5xx")
                        continue
                    stats.add("completed")
                    if resp.json()["choices"][0]["message"]["content"] != answers[prompt]:
                        stats.add("wrong_text")
            except httpx.HTTPError:
                stats.add("client_errors")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--tokens", type=int, default=12)
    ap.add_argument("--disconnect-share", type=float, default=0.2)
    ap.add_argument("--malformed-share", type=float, default=0.15)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(ROOT / ".venv/bin/webshard"), "serve", "--port", str(port), "--no-swarm",
                               "--slots", "4", "--max-queue", "64"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=open("/tmp/webshard-soak-server.log", "w"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                urllib.request.urlopen(url + "/v1/models", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start; see /tmp/webshard-soak-server.log")
                time.sleep(1)
        with httpx.Client(base_url=url, timeout=600) as c:
            answers = {p: chat(c, p, args.tokens, False).json()["choices"][0]["message"]["content"] for p in PROMPTS}
        rss_start = rss_kib(server.pid)
        stats, stop = Stats(), threading.Event()
        threads = [threading.Thread(target=client_loop, args=(url, answers, stats, stop, args, random.Random(i)))
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        t_end = time.monotonic() + args.minutes * 60
        rss_samples = [rss_start]
        while time.monotonic() < t_end:
            time.sleep(5)
            t0 = time.monotonic()
            try:
                ok = urllib.request.urlopen(url + "/v1/models", timeout=10).status == 200
            except OSError:
                ok = False
            stats.add("models_checks")
            if not ok:
                stats.add("models_failures")
            rss_samples.append(rss_kib(server.pid))
        stop.set()
        for t in threads:
            t.join(timeout=900)
        rss_end = rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    c = stats.c
    errors = c["wrong_text"] + c["server_5xx"] + c["malformed_not_4xx"] + c["models_failures"]
    print(f"soak: {args.clients} clients for {args.minutes:g} min against webshard serve (SmolLM2, 4 slots)")
    for k, v in c.items():
        print(f"  {k:20} {v}")
    print(f"  {'rss_start_mib':20} {rss_start / 1024:.1f}")
    print(f"  {'rss_end_mib':20} {rss_end / 1024:.1f}")
    print(f"  {'rss_max_mib':20} {max(rss_samples) / 1024:.1f}")
    print(f"  {'errors':20} {errors}  (wrong text + 5xx + malformed not 4xx + /v1/models failures; target 0)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
