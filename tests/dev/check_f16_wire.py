"""Development check: do f16 activations between stages keep SmolLM2's greedy tokens identical to f32?

    .venv/bin/python tests/dev/check_f16_wire.py [--split 10,20] [--tokens 32]

Runs each prompt through a RelayChain (stages loaded apart, activations relayed through host memory in the wire
format) once with f32 links and once with f16 links, and prints where the greedy tokens first differ, if anywhere.
The swarm keeps f32 unless this shows f16 changes nothing on the prompts that matter to you (README, "Swarm").
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

PROMPTS = [
    "What is the capital of France?",
    "Write a short poem about the sea.",
    "Explain photosynthesis in two sentences.",
    "List three prime numbers and say why they are prime.",
    "Once upon a time",
    "The history of the printing press begins in",
]


def main() -> int:
    from compiler.build import DEFAULT_MODEL_ID, ensure_default_model
    from compiler.native.engine import Engine, Sequence
    from compiler.native.stage import RelayChain
    from compiler.native.text import TextModel

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="10,20")
    ap.add_argument("--tokens", type=int, default=32)
    args = ap.parse_args()
    art = ensure_default_model(Path("build/models") / DEFAULT_MODEL_ID)
    text = TextModel.open(art)
    split = [int(x) for x in args.split.split(",")]
    results = {}
    for dtype in ("f32", "f16"):
        chain = RelayChain.load(art, split, slots=1)
        chain.wire_dtype = dtype
        engine = Engine(chain, eos_ids=text.eos_ids)
        outs = []
        for p in PROMPTS:
            seq = engine.add(Sequence(text.encode_chat([{"role": "user", "content": p}]), args.tokens,
                                      stop_at_eos=False))
            while not engine.idle:
                engine.step()
            outs.append(seq.outputs)
        results[dtype] = {"tokens": outs, "bytes_per_token_per_hop": [b / engine.stats["rows"] for b in chain.hop_bytes]}
    report = []
    for p, a, b in zip(PROMPTS, results["f32"]["tokens"], results["f16"]["tokens"]):
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
        report.append({"prompt": p, "identical": a == b, "first_difference": first})
    print(json.dumps({"split": split, "tokens": args.tokens, "prompts": report,
                      "bytes_per_token_per_hop": {d: results[d]["bytes_per_token_per_hop"] for d in results}},
                     indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
