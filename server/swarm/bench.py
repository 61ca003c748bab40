"""`webshard bench --swarm`: the swarm's figures, measured on this machine with native workers on loopback.

    webshard bench --swarm [--artifact DIR] [--workers 1,2,3] [--tokens 16]

Starts a server with a coordinator (in this process) and `webshard worker` processes, and reports:
  * aggregate tok/s with 1, 2, 3 workers, for 1 and 3 concurrent greedy requests;
  * bubble fraction and stage imbalance before and after a straggler re-plan (one worker slowed after joining);
  * recovery time after a worker drop mid-generation;
  * bytes per token per hop with f32 and with f16 links;
  * the fraction of steps verified and what it costs in tok/s.
Workers on one machine share its cores, so more workers add no compute here: these figures measure the protocol,
the pipelining and the recovery, not scaling. Figures only; nothing asserts a speed.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROMPTS = ["What is the capital of France?", "Name three colours.", "Say hello to the reader."]


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _run(url: str, model: str, prompts: list[str], tokens: int) -> tuple[float, int]:
    import openai

    c = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=1800)

    def one(p: str) -> int:
        r = c.chat.completions.create(model=model, messages=[{"role": "user", "content": p}], max_tokens=tokens,
                                      temperature=0)
        return r.usage.completion_tokens

    t0 = time.perf_counter()
    with ThreadPoolExecutor(len(prompts)) as pool:
        n = sum(pool.map(one, prompts))
    return time.perf_counter() - t0, n


def measure(artifact: Path, workers: int, tokens: int, *, wire: str = "f32", verify: float = 0.0,
            throttle_one: float = 0.0, drop_one: bool = False) -> dict:
    from server.swarm.local import ready_with, start_worker, status, stop, swarm_server, wait_for

    out: dict = {"workers": workers, "wire": wire, "verify_fraction": verify}
    cache = Path(tempfile.mkdtemp(prefix="webshard-swarm-bench-"))
    with swarm_server(artifact, wire=wire, verify_fraction=verify, slots=4, straggler=1.3,
                      replan_every_s=2.0) as (url, coord):
        procs = [start_worker(url, cache / f"w{i}",
                              *(["--test-throttle-ms", str(throttle_one)] if throttle_one and i == 0 else []))
                 for i in range(workers)]
        try:
            wait_for(url, ready_with(workers), timeout=900, what=f"{workers} ready workers")
            model = coord.model_id
            _run(url, model, PROMPTS[:1], 2)   # warm: pipelines compile lazily on some drivers
            for conc in (1, 3):
                secs, n = _run(url, model, PROMPTS[:conc], tokens)
                out[f"tok_s_{conc}_requests"] = n / secs
            st = status(url)
            out["bubble_fraction"], out["imbalance"] = st["bubble_fraction"], st["imbalance"]
            out["plan"] = [[(s["first"], s["last"]) for s in p["stages"]] for p in st["pipelines"]]
            # What crosses each hop per token row (prompt rows included): the frame bytes a worker sent over the
            # rows its results held. The last stage's results are sampled ids, not activations.
            out["result_bytes_per_row"] = {f"{w['id']} ({w['range'][0]}..{w['range'][1]})":
                                           round(w["bytes_in"] / w["rows_in"], 1)
                                           for w in st["workers"] if w.get("rows_in") and w["range"]}
            out["verify"] = st["verify"]
            if throttle_one:
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline and not any("straggler" in e["detail"] for e in st["events"]):
                    _run(url, model, PROMPTS[:1], tokens)
                    st = status(url)
                wait_for(url, lambda s: s["ready"], timeout=600)
                secs, n = _run(url, model, PROMPTS[:3], tokens)
                st = status(url)
                out["after_replan"] = {"tok_s_3_requests": n / secs, "bubble_fraction": st["bubble_fraction"],
                                       "imbalance": st["imbalance"],
                                       "plan": [[(s["first"], s["last"]) for s in p["stages"]] for p in st["pipelines"]]}
            if drop_one and workers > 1:
                # The worker goes mid-reply: once a few tokens have streamed, so its layers hold live KV caches.
                import openai

                c = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=1800)
                stream = c.chat.completions.create(model=model, messages=[{"role": "user", "content": PROMPTS[0]}],
                                                   max_tokens=tokens * 2, temperature=0, stream=True)
                got = 0
                for chunk in stream:
                    got += 1
                    if got == 4:
                        stop(procs[-1])
                st = status(url)
                out["recovery_s"] = st["recoveries_s"]
                out["chunks_after_drop"] = got - 4
        finally:
            stop(*procs)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="webshard bench --swarm", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifact", type=Path, default=None, help="default: the bundled SmolLM2 (built if missing)")
    ap.add_argument("--workers", type=_ints, default=[1, 2, 3])
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--json", nargs="?", const="-", default=None)
    args = ap.parse_args(argv)
    if args.artifact is None:
        from compiler.build import DEFAULT_MODEL_ID, ensure_default_model

        args.artifact = ensure_default_model(Path("build/models") / DEFAULT_MODEL_ID)
    rows = [measure(args.artifact, n, args.tokens) for n in args.workers]
    two = max(2, min(args.workers[-1], 3))
    extra = {
        "f16": measure(args.artifact, two, args.tokens, wire="f16"),
        "verified": measure(args.artifact, two, args.tokens, verify=0.25),
        "straggler": measure(args.artifact, two, args.tokens, throttle_one=20.0),
        "drop": measure(args.artifact, two, args.tokens, drop_one=True),
    }
    result = {"artifact": str(args.artifact), "tokens": args.tokens, "by_workers": rows} | extra
    if args.json == "-":
        print(json.dumps(result, indent=1))
        return 0
    print(f"swarm on loopback, native workers on this machine; {args.tokens} tokens per request")
    for r in rows:
        print(f"  {r['workers']} worker(s): 1 request {r['tok_s_1_requests']:.2f} tok/s, 3 requests "
              f"{r['tok_s_3_requests']:.2f} tok/s; bubbles {r['bubble_fraction']}, imbalance {r['imbalance']}")
    f16, f32 = extra["f16"], next((r for r in rows if r["workers"] == two), rows[-1])
    print(f"  bytes per token row per hop (result frames): f32 {f32['result_bytes_per_row']}, "
          f"f16 {f16['result_bytes_per_row']}")
    v = extra["verified"]
    print(f"  verify 25%: {v['verify']['checked']} steps checked in {v['verify']['seconds']:.1f} s; "
          f"{v['tok_s_1_requests']:.2f} tok/s vs {f32['tok_s_1_requests']:.2f} unverified")
    s = extra["straggler"]
    if "after_replan" in s:
        a = s["after_replan"]
        print(f"  straggler: before bubbles {s['bubble_fraction']}, imbalance {s['imbalance']}, plan {s['plan']}; "
              f"after bubbles {a['bubble_fraction']}, imbalance {a['imbalance']}, plan {a['plan']}")
    d = extra["drop"]
    print(f"  a worker killed after 4 streamed chunks: serving again after {d.get('recovery_s')} s; the reply went on "
          f"for {d.get('chunks_after_drop')} more chunks")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
