"""`webshard embed [--json] TEXT...`: sentence embeddings from the command line (compiler/cli.py dispatches here).

Without --json it prints, per text, its token count and the first values, then the cosine similarity of every pair
(the embeddings of all-MiniLM-L6-v2 have unit length, so that is their dot product). With --json it prints one
object: the model, adapter and variant, the embeddings, token counts, which texts were cut, and the time taken.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_ENCODER = Path("build/models/minilm")


def run(args) -> int:
    from ..encoder import ensure_default_encoder
    from .encoder import Encoder

    art = args.artifact or ensure_default_encoder(DEFAULT_ENCODER)
    enc = Encoder.load(art, variant=args.variant)
    encoded = enc.encode(args.texts)
    if args.no_truncate:
        from ..errors import LimitError

        for i, e in enumerate(encoded):
            if e.truncated:
                raise LimitError(f"text {i + 1} is {e.tokens} tokens; {enc.model_id} embeds at most {enc.max_tokens} "
                                 "(leave out --no-truncate to cut it, as sentence-transformers does)")
    if args.json:
        enc.warm_up()   # so `ms` measures the embedding, not first-use shader compilation
    t0 = time.perf_counter()
    vectors = enc.embed_ids([e.ids for e in encoded])
    ms = (time.perf_counter() - t0) * 1000
    if args.json:
        print(json.dumps({
            "model": enc.model_id, "dim": enc.dim, "adapter": enc.gpu.name, "variant": enc.variant,
            "tokens": [len(e.ids) for e in encoded], "truncated": [e.truncated for e in encoded],
            "ms": round(ms, 2), "embeddings": [[float(v) for v in row] for row in vectors],
        }))
        return 0
    for i, (text, e, v) in enumerate(zip(args.texts, encoded, vectors), 1):
        cut = f", cut from {e.tokens}" if e.truncated else ""
        head = " ".join(f"{x:+.4f}" for x in v[:6])
        print(f"[{i}] {len(e.ids)} tokens{cut}: {head} ... ({enc.dim} values)  {_short(text)}")
    if len(vectors) > 1:
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = unit @ unit.T
        print("cosine similarity:")
        width = len(str(len(vectors)))
        print(" " * (width + 2) + " ".join(f"[{j:>{width}}]".rjust(7) for j in range(1, len(vectors) + 1)))
        for i, row in enumerate(sims, 1):
            print(f"[{i:>{width}}] " + " ".join(f"{s:7.4f}" for s in row))
    print(f"[{len(vectors)} texts in {ms:.0f} ms on {enc.gpu.name} ({enc.variant})]", file=sys.stderr)
    return 0


def _short(text: str, n: int = 50) -> str:
    one_line = " ".join(text.split())
    return repr(one_line if len(one_line) <= n else one_line[:n - 1] + "…")
