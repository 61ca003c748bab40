"""f16 links between swarm stages (`webshard serve --swarm-wire f16`) against f32, on SmolLM2.

Development script, not collected by pytest:  .venv/bin/python tests/dev/swarm_wire_f16.py [--tokens 32]

The model is cut into three stages (before layers 10 and 20) relayed through host memory in the wire format, as swarm
workers relay it, once with f32 activations and once with f16. Prints the bytes each hop carried and, per prompt,
whether the greedy tokens are identical or where they first differ. f16 rounds every activation at every hop, so a
near tie between two tokens can change the choice: a prompt list that passes here is evidence, not a guarantee.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PROMPTS = ["The capital of France is", "Once upon a time", "def fibonacci(n):", "The three primary colours are",
           "In 1969, the first person to walk on the Moon", "Water boils at"]


def main() -> None:
    from compiler.build import compile_source
    from compiler.native.model import Model

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=32)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        art = Path(tmp) / "smollm2"
        compile_source("smollm2", art)
        ids = {}
        for dtype in ("f32", "f16"):
            m = Model.load(art, slots=1, split=[10, 20])
            m.chain.wire_dtype = dtype
            ids[dtype] = [list(m.generate(m.encode(p), max_tokens=args.tokens, stop_at_eos=False)) for p in PROMPTS]
            print(f"{dtype}: bytes per hop {m.chain.hop_bytes}")
    for p, a, b in zip(PROMPTS, ids["f32"], ids["f16"]):
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
        print(f"{p!r}: " + ("identical" if first is None else f"first difference at token {first}"))


if __name__ == "__main__":
    main()
