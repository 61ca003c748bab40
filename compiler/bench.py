"""Benchmark: prefill and decode tokens/s of the compiled model on this machine's adapter, per kernel variant,
against the numpy reference interpreter measured in the same run (`make bench`, or python -m compiler.bench).

Figures only; nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .build import DEFAULT_MODEL_ID, ensure_default_model
from .gpu import get_gpu
from .runtime import Model, Sampling

PROMPT = ("The history of the printing press begins in the fifteenth century, when Johannes Gutenberg combined "
          "movable metal type with an oil-based ink and a wooden press adapted from wine making.")


def bench_variant(artifact: Path, variant: str, ids: list[int], decode_tokens: int) -> dict:
    m = Model.load(artifact, variant=variant)
    list(m.generate(ids[:8], max_tokens=4, stop_at_eos=False))           # warm-up: pipelines compile lazily
    t0 = time.perf_counter()
    m.prefill(ids, Sampling())
    prefill_s = time.perf_counter() - t0
    list(m.generate(ids, max_tokens=decode_tokens, stop_at_eos=False))
    return {"variant": variant, "prompt_tokens": len(ids), "prefill_tok_s": len(ids) / prefill_s,
            "decode_tok_s": m.timings.decode_tok_s, "decode_tokens": m.timings.decode_tokens}


def bench_numpy(source: str, ids: list[int], decode_tokens: int) -> dict:
    from .importers import load_model
    from .reference import Interpreter

    interp = Interpreter(load_model(source), max_context=len(ids) + decode_tokens + 1)
    t0 = time.perf_counter()
    logits = interp.step(ids)
    prefill_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(decode_tokens):
        logits = interp.step([int(logits.argmax())])
    return {"variant": "numpy reference", "prompt_tokens": len(ids), "prefill_tok_s": len(ids) / prefill_s,
            "decode_tok_s": decode_tokens / (time.perf_counter() - t1), "decode_tokens": decode_tokens}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--artifact", type=Path, default=Path("build/models") / DEFAULT_MODEL_ID)
    ap.add_argument("--decode-tokens", type=int, default=32)
    ap.add_argument("--variants", default="cpu,gpu")
    ap.add_argument("--no-numpy", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = ap.parse_args(argv)
    ensure_default_model(args.artifact)
    gpu = get_gpu()
    probe = Model.load(args.artifact)
    ids = probe.encode(PROMPT)
    rows = [bench_variant(args.artifact, v, ids, args.decode_tokens) for v in args.variants.split(",")]
    if not args.no_numpy:
        rows.append(bench_numpy("smollm2", ids, min(args.decode_tokens, 16)))
    base = rows[-1]
    print(f"adapter: {gpu.name} ({gpu.adapter_type}); model {probe.model_id}; "
          f"{probe.manifest['stats']['dispatches_per_decode_token']} dispatches/token")
    print(f"{'variant':18} {'prefill tok/s':>14} {'decode tok/s':>13} {'decode vs ' + base['variant']:>28}")
    for r in rows:
        print(f"{r['variant']:18} {r['prefill_tok_s']:14.1f} {r['decode_tok_s']:13.2f} {r['decode_tok_s'] / base['decode_tok_s']:27.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"adapter": gpu.name, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
