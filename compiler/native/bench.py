"""Benchmark: prefill and decode tokens/s of the compiled model on this machine's adapter, per kernel variant,
against the numpy reference interpreter measured in the same run (`make bench`, or python -m compiler.bench).

Figures only; nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..build import DEFAULT_MODEL_ID, ensure_default_model
from .gpu import get_gpu
from .model import Model, Sampling

PROMPT = ("The history of the printing press begins in the fifteenth century, when Johannes Gutenberg combined "
          "movable metal type with an oil-based ink and a wooden press adapted from wine making.")


def synthetic_smollm2(layers: int = 30, seed: int = 0):
    """A model with SmolLM2-135M's exact shapes and formats (Q4_1 layers, Q8_0 tied embedding) and random weights.

    Speed depends on shapes alone, so this benchmarks a machine where the 94 MB GGUF cannot be carried.
    """
    import numpy as np
    from tokenizers import Tokenizer, models

    from ..model import QUANT_BLOCK, ImportedModel, ModelConfig, Tensor
    from ..tokenizer import TokenizerInfo

    cfg = ModelConfig(arch="llama", n_layers=layers, d_model=576, n_heads=9, n_kv_heads=3, d_ff=1536,
                      vocab_size=49152, context_length=8192, norm_eps=1e-5, rope_theta=100000.0)
    rng = np.random.default_rng(seed)

    def quant(name, rows, k, fmt):
        _, bb = QUANT_BLOCK[fmt]
        blocks = rng.integers(0, 256, size=(rows, k // 32, bb), dtype=np.uint8)
        blocks[:, :, 0:2] = np.frombuffer(np.float16(0.01).tobytes(), np.uint8)   # finite, small scales
        if fmt == "q4_1":
            blocks[:, :, 2:4] = np.frombuffer(np.float16(-0.07).tobytes(), np.uint8)
        return Tensor(name, fmt, (rows, k), blocks.reshape(rows, -1))

    D, F, kv = cfg.d_model, cfg.d_ff, cfg.n_kv_heads * cfg.head_dim
    t = {"token_embd.weight": quant("token_embd.weight", cfg.vocab_size, D, "q8_0"),
         "output_norm.weight": Tensor("output_norm.weight", "f32", (D,), np.ones(D, np.float32))}
    for i in range(layers):
        b = f"blk.{i}."
        for name, shape in (("attn_q", (D, D)), ("attn_k", (kv, D)), ("attn_v", (kv, D)), ("attn_output", (D, D)),
                            ("ffn_gate", (F, D)), ("ffn_up", (F, D)), ("ffn_down", (D, F))):
            t[b + name + ".weight"] = quant(b + name + ".weight", *shape, "q4_1")
        for name in ("attn_norm", "ffn_norm"):
            t[b + name + ".weight"] = Tensor(b + name + ".weight", "f32", (D,), np.ones(D, np.float32))
    tok = Tokenizer(models.WordLevel({"<unk>": 0}, unk_token="<unk>"))
    info = TokenizerInfo(bos_id=None, eos_ids=frozenset(), add_bos=False, chat_template=None)
    return ImportedModel(cfg, t, tok, info, source={"path": "synthetic", "format": "synthetic"})


def bench_variant(artifact: Path, variant: str, ids: list[int], decode_tokens: int) -> dict:
    m = Model.load(artifact, variant=variant)
    m.warm_up()
    t0 = time.perf_counter()
    m.prefill(ids, Sampling())
    prefill_s = time.perf_counter() - t0
    list(m.generate(ids, max_tokens=decode_tokens, stop_at_eos=False))
    return {"variant": variant, "prompt_tokens": len(ids), "prefill_tok_s": len(ids) / prefill_s,
            "decode_tok_s": m.timings.decode_tok_s, "decode_tokens": m.timings.decode_tokens}


def bench_numpy(source, ids: list[int], decode_tokens: int) -> dict:
    from ..importers import load_model
    from ..reference import Interpreter

    model = load_model(source) if isinstance(source, str) else source
    interp = Interpreter(model, max_context=len(ids) + decode_tokens + 1)
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
    ap.add_argument("--synthetic", action="store_true",
                    help="SmolLM2's shapes with random weights (for machines without the bundled model)")
    args = ap.parse_args(argv)
    if args.synthetic:
        from ..build import compile_model

        source = synthetic_smollm2()
        args.artifact = Path("build/bench/synthetic-smollm2")  # not under build/models: the server serves those
        compile_model(source, args.artifact, model_id="synthetic-smollm2", progress=False)
        ids = [int(i) for i in (__import__("numpy").random.default_rng(1).integers(0, 49152, 40))]
    else:
        ensure_default_model(args.artifact)
        source = "smollm2"
        ids = Model.load(args.artifact).encode(PROMPT)
    gpu = get_gpu()
    probe = Model.load(args.artifact)
    rows = [bench_variant(args.artifact, v, ids, args.decode_tokens) for v in args.variants.split(",")]
    if not args.no_numpy:
        rows.append(bench_numpy(source, ids, min(args.decode_tokens, 16)))
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
