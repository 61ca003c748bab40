"""`webshard bench` (`make bench`): where the time goes, on this machine's adapter, with baselines from the same run.

Figures only; nothing here asserts a speed. For each kernel variant it measures, through the same engine and chains
that serve requests:
  * prefill tok/s and time to first token for prompts of 16, 128 and 512 tokens (a fresh slot each);
  * decode tok/s at context 64, 512 and 2048 (2048 only on real GPUs unless asked: a CPU adapter needs minutes);
  * batched decode: aggregate tok/s of 1, 4, 8, 16 sequences decoding together;
  * the step: dispatches, passes and submits per decode token, CPU time to encode and submit one, GPU time per step
    and per kernel (timestamp queries), and each matmul's achieved GB/s against a copy-bandwidth probe;
  * stages: decode with the model cut by --split into stages in one pass, and relayed through host memory;
and the numpy f32 reference in the same run. --json prints (or writes) everything as one object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from ..artifact import read_manifest
from .batch import Output, Row, Step
from .engine import Engine, Sequence
from .gpu import get_gpu
from .stage import LocalChain, RelayChain

BENCH_DIR = Path("build/bench")   # not build/models: the server serves those
CONTEXT = 4096                     # room for decode at context 2048 and a 512-token prompt


def synthetic_smollm2(layers: int = 30, seed: int = 0):
    """A model with SmolLM2-135M's exact shapes and formats (Q4_1 layers, Q8_0 tied embedding) and random weights.

    Speed depends on shapes alone, so this benchmarks a machine where the 94 MB GGUF cannot be carried.
    """
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


def prepare(args) -> tuple[Path, object]:
    """The artifact to measure (compiled into build/bench/ with a 4096-token context) and its imported model."""
    from ..build import compile_model, compiler_hash
    from ..importers import load_model

    if args.artifact:
        return args.artifact, None
    model = synthetic_smollm2() if args.synthetic else load_model("smollm2")
    out = BENCH_DIR / ("synthetic-smollm2" if args.synthetic else "smollm2")
    key = {"compiler_hash": compiler_hash(), "context": CONTEXT, "source": Path(model.source.get("path", "")).name}
    try:
        fresh = json.loads((out / "bench_key.json").read_text()) == key and read_manifest(out) is not None
    except Exception:  # noqa: BLE001 - missing, stale or from another format: rebuild
        fresh = False
    if not fresh:
        print(f"compiling {out} (context {CONTEXT}) ...", file=sys.stderr)
        compile_model(model, out, model_id=out.name, max_context=CONTEXT, progress=False)
        (out / "bench_key.json").write_text(json.dumps(key))
    return out, model


def measure_compile() -> dict:
    """`webshard compile smollm2` as a user runs it (import the GGUF, lower, write the artifact), timed, then the
    first load of the result on this adapter (pipelines, weights, and the autotuner's trials when it has any)."""
    import tempfile

    from ..build import compile_source

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        compile_source("smollm2", Path(tmp) / "smollm2")
        t1 = time.perf_counter()
        chain = LocalChain.load(Path(tmp) / "smollm2", slots=1, autotune=True)
        t2 = time.perf_counter()
        return {"compile_s": t1 - t0, "first_load_s": t2 - t1, "variant": chain.ws.variant,
                "autotune": chain.autotune}


def ids_of(n: int, vocab: int, seed: int) -> list[int]:
    return [int(i) for i in np.random.default_rng(seed).integers(1, vocab, n)]


def run_seqs(engine: Engine, seqs: list[Sequence]) -> None:
    for s in seqs:
        engine.add(s)
    while not engine.idle:
        engine.step()


def measure_prefill(engine: Engine, vocab: int, n: int, repeats: int = 1) -> dict:
    """Prefill tok/s and time to first token of a cold n-token prompt: the median of `repeats` prompts, each after
    keep_busy. Why: an H200's SM clock falls from 1980 to 345 MHz within seconds of light work, and a lone prompt
    runs at whatever clock it finds. Without it the variant the bench measured second read 944 / 5981 / 11379
    tok/s at 16 / 128 / 512 tokens against the first's 3056 / 15139 / 31213, with its 512-row GPU step the faster
    (11.33 against 12.19 ms). HF eager's figures (torch_peer) likewise come after a warm-up run."""
    ttfts = []
    for _ in range(repeats):
        keep_busy(engine, vocab)
        engine.slots.forget()   # a cold prompt: no prefix of it is in any slot
        seq = Sequence(ids_of(n, vocab, n), 1, stop_at_eos=False)
        run_seqs(engine, [seq])
        ttfts.append(seq.t_first - seq.t_added)
    ttft = statistics.median(ttfts)
    return {"tokens": n, "ttft_ms": ttft * 1000, "tok_s": n / ttft, "runs_ttft_ms": [t * 1000 for t in ttfts]}


def keep_busy(engine: Engine, vocab: int, seconds: float = 0.25) -> None:
    """Decode for `seconds` (a few steps on a CPU adapter), so that a GPU's clock is up for what is timed next."""
    seq = engine.add(Sequence(ids_of(min(16, engine.runner.context // 2), vocab, 7), 256, stop_at_eos=False))
    end = time.perf_counter() + seconds
    while not engine.idle and time.perf_counter() < end:
        engine.step()
    engine.cancel(seq)
    while not engine.idle:
        engine.step()


def measure_decode(engine: Engine, vocab: int, context: int, tokens: int, repeats: int = 1) -> dict:
    """Decode tok/s after a `context`-token prompt: the median of `repeats` runs (CPU adapters on a shared VM vary
    by tens of percent from run to run). The prompt is prefilled once; each run decodes from the same point."""
    rates = []
    for _ in range(repeats):
        seq = Sequence(ids_of(context, vocab, context + 1), tokens + 1, stop_at_eos=False)
        run_seqs(engine, [seq])   # after the first run the slot's prefix is reused: only the last token runs
        rates.append(tokens / (seq.t_last - seq.t_first))
    return {"context": context, "tokens": tokens, "tok_s": statistics.median(rates), "runs": rates}


def measure_batch(engine: Engine, vocab: int, batch: int, tokens: int) -> dict:
    """Aggregate decode tok/s of `batch` sequences once all of them are past their prompt."""
    engine.slots.forget()
    seqs = [Sequence(ids_of(16, vocab, 100 + i), tokens + 1, stop_at_eos=False) for i in range(batch)]
    for s in seqs:
        engine.add(s)
    while not all(s.outputs for s in seqs):
        engine.step()
    t0, done0 = time.perf_counter(), sum(len(s.outputs) for s in seqs)
    while not engine.idle:
        engine.step()
    dt = max(s.t_last for s in seqs) - t0
    return {"batch": batch, "tok_s": (sum(len(s.outputs) for s in seqs) - done0) / dt}


def measure_prefill_kernels(chain: LocalChain, manifest: dict, rows: int) -> dict:
    """GPU time of one `rows`-row prefill step (a cold prompt in slot 0), whole and per op kind (each dispatch in
    its own timed pass, once: on a CPU adapter one such step takes seconds)."""
    from .profile import Profiler, kernel_gpu_ms, step_gpu_ms

    rows = min(rows, chain.max_rows)
    ids = ids_of(rows, chain.vocab, rows)
    step = Step([Row(0, i, token=t) for i, t in enumerate(ids)], [Output(rows - 1)])
    n = sum(1 for s in chain.stages for _ in s.steps)
    prof = Profiler(chain.ws.device, passes=max(512, n + 8))
    step_gpu_ms(chain, step, prof)   # warm
    by_op = _ms_by_op(kernel_gpu_ms(chain, step, prof), manifest)
    return {"rows": rows, "gpu_step_ms": step_gpu_ms(chain, step, prof),
            "gpu_kernels_ms": {op: round(ms, 3) for op, ms in sorted(by_op.items(), key=lambda x: -x[1])}}


def _ms_by_op(per: list[tuple[str, str, float]], manifest: dict) -> dict[str, float]:
    """Milliseconds per kind of kernel (the manifest's op) from (unit, kernel, ms) of each dispatch."""
    by_op: dict[str, float] = {}
    for _, k, ms in per:
        op = manifest["kernels"][k]["op"]
        by_op[op] = by_op.get(op, 0.0) + ms
    return by_op


def measure_step(chain: LocalChain, manifest: dict, profile: bool) -> dict:
    """Costs of one decode step at context ~64: CPU time to encode and submit it, GPU time, and per kernel."""
    from .profile import Profiler, copy_bandwidth_gbs, copy_kernel_gbs, kernel_gpu_ms, step_gpu_ms

    step = Step([Row(0, 64, token=1)], [Output(0)])
    cpu = []
    for _ in range(30):
        t = time.perf_counter()
        h = chain.submit(step)
        cpu.append(time.perf_counter() - t)
        chain.collect(h)
    ws = chain.ws
    from ..kernels import workgroups

    dispatches = sum(1 for s in chain.stages for k, _ in s.steps
                     if all(workgroups(ws.ex.programs[k].dispatch, 1, 1)))
    out = {"dispatches": dispatches, "passes": 1, "submits": 1,
           "cpu_encode_submit_ms": statistics.median(cpu) * 1000}
    if not profile or "timestamp-query" not in ws.device.features:
        return out
    prof = Profiler(ws.device, passes=max(512, dispatches + 8))
    step_gpu_ms(chain, step, prof)   # warm
    out["gpu_step_ms"] = statistics.median(step_gpu_ms(chain, step, prof) for _ in range(10))
    runs = [kernel_gpu_ms(chain, step, prof) for _ in range(5)]
    per = [(u, k, statistics.median(r[i][2] for r in runs)) for i, (u, k, _) in enumerate(runs[0])]
    by_op = _ms_by_op(per, manifest)
    matmul_bytes, matmul_ms = 0, 0.0
    dispatches_in_order = [d for s in chain.stages for u in s.units for d in u["dispatches"]]
    for (_, k, ms), d in zip(per, dispatches_in_order):
        if manifest["kernels"][k]["op"] == "matmul":
            matmul_bytes += manifest["weights"][d["bind"]["w"]]["bytes"]
            matmul_ms += ms
    copy_buf = copy_bandwidth_gbs(ws.device, prof)
    copy_kernel = copy_kernel_gbs(ws.device, prof)
    copy = max(copy_buf, copy_kernel)
    # The largest matmul alone (the LM head): the one whose time its bytes, not its launch, should set.
    big = max(((d, ms) for (_, k, ms), d in zip(per, dispatches_in_order)
               if manifest["kernels"][k]["op"] == "matmul"), key=lambda dm: manifest["weights"][dm[0]["bind"]["w"]]["bytes"],
              default=None)
    by_kernel: dict[str, float] = {}
    for _, k, ms in per:
        by_kernel[k] = by_kernel.get(k, 0.0) + ms
    out |= {"gpu_kernels_ms": {op: round(ms, 4) for op, ms in sorted(by_op.items(), key=lambda x: -x[1])},
            "gpu_kernel_names_ms": {k: round(ms, 4) for k, ms in sorted(by_kernel.items(), key=lambda x: -x[1])},
            "gpu_kernels_sum_ms": sum(by_op.values()),
            "matmul_gb_s": matmul_bytes / (matmul_ms / 1000) / 1e9 if matmul_ms else 0.0,
            "copy_gb_s": copy, "copy_buffer_gb_s": copy_buf, "copy_kernel_gb_s": copy_kernel}
    if big is not None:
        d, ms = big
        out["largest_matmul"] = {"kernel": d["kernel"], "bytes": manifest["weights"][d["bind"]["w"]]["bytes"], "ms": ms,
                                 "gb_s": manifest["weights"][d["bind"]["w"]]["bytes"] / (ms / 1000) / 1e9}
    out["matmul_vs_copy"] = out["matmul_gb_s"] / copy if copy else 0.0
    return out


def measure_numpy(model, vocab: int, tokens: int) -> dict:
    from ..reference import Interpreter

    interp = Interpreter(model, max_context=256)
    ids = ids_of(64, vocab, 7)
    t0 = time.perf_counter()
    logits = interp.step(ids)
    prefill = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(tokens):
        logits = interp.step([int(logits.argmax())])
    return {"prefill_tok_s": 64 / prefill, "decode_tok_s": tokens / (time.perf_counter() - t1)}


def measure_split(artifact: Path, variant: str, split: list[int], vocab: int, tokens: int, repeats: int) -> dict:
    out = {"split": split}
    for name, chain in (("local", LocalChain.load(artifact, slots=1, variant=variant, split=split)),
                        ("relay", RelayChain.load(artifact, split, slots=1, variant=variant))):
        engine = Engine(chain, burst=getattr(chain, "burst_hint", 1))   # as Model runs it, and as unsplit is timed
        measure_decode(engine, vocab, 16, 4)   # warm
        out[name] = measure_decode(engine, vocab, 64, tokens, repeats)["tok_s"]
        if name == "relay":
            out["relay_bytes_per_token_per_hop"] = [b / engine.stats["rows"] for b in chain.hop_bytes]
    return out


def bench_variant(artifact: Path, manifest: dict, variant: str | None, args) -> dict:
    """Every figure for one kernel variant (None: the one this adapter gets, the autotuner's where it has one)."""
    vocab = manifest["model"]["config"]["vocab_size"]
    t0 = time.perf_counter()
    chain = LocalChain.load(artifact, slots=max(args.batch), variant=variant)
    load_s = time.perf_counter() - t0
    variant = chain.ws.variant
    burst = args.burst if args.burst is not None else chain.burst_hint
    engine = Engine(chain, burst=burst)
    measure_decode(engine, vocab, 16, 4)   # warm-up: first dispatches compile pipelines lazily on some drivers
    if args.prefill:   # and a long prompt: long steps run other programs (the tiled GEMM and attention)
        measure_prefill(engine, vocab, max(args.prefill))
    r = {"variant": variant, "burst": engine.burst, "load_s": load_s, "autotune": chain.autotune,
         "prefill": [measure_prefill(engine, vocab, n, args.repeats) for n in args.prefill],
         "decode": [measure_decode(engine, vocab, c, args.decode_tokens, args.repeats) for c in args.contexts],
         "batch": [measure_batch(engine, vocab, b, args.decode_tokens) for b in args.batch],
         "step": measure_step(chain, manifest, not args.no_profile)}
    if not args.no_profile and "timestamp-query" in chain.ws.device.features and args.prefill:
        r["prefill_step"] = measure_prefill_kernels(chain, manifest, max(args.prefill))
    for path in args.compare or []:   # the same step of another artifact (e.g. an older build), same process
        other = read_manifest(path)
        if not any(variant in k["variants"] for k in other["kernels"].values()):
            r.setdefault("compare", []).append({"artifact": str(path), "skipped": f"it has no {variant} kernels"})
            continue
        r.setdefault("compare", []).append({"artifact": str(path), "step": measure_step(
            LocalChain.load(path, slots=1, variant=variant), other, not args.no_profile)})
    if args.split:
        r["split"] = measure_split(artifact, variant, args.split, vocab, args.decode_tokens, args.repeats)
        r["split"]["unsplit"] = r["decode"][0]["tok_s"] if args.contexts[0] == 64 else \
            measure_decode(engine, vocab, 64, args.decode_tokens, args.repeats)["tok_s"]
    return r


# The targets (no test asserts a speed): each printed beside its figure. Kinds of adapter by description.
TARGETS = {
    "all": [("SmolLM2 compile + first load with the autotuner (s, at most)", "compile_and_load_s", 5.0, "s<=")],
    "gpu": [("decode ctx 512 vs torch CUDA-graph peer", "decode_vs_torch_512", 2.0, "x"),
            ("decode ctx 512", "decode_512", 570.0, "tok/s"),
            ("decode ctx 2048 / ctx 64", "decode_2048_over_64", 0.75, "x"),
            ("decode matmuls vs copy bandwidth (all, each timed with its launch)", "matmul_vs_copy", 0.70, "x"),
            ("largest decode matmul (LM head) vs copy bandwidth", "largest_matmul_vs_copy", 0.70, "x"),
            ("512-token prefill vs HF eager", "prefill_512_vs_hf", 5.0, "x")],
    "lavapipe": [("decode ctx 64", "decode_64", 40.0, "tok/s"),
                 ("decode vs numpy reference", "decode_vs_numpy", 2.0, "x")],
    "swiftshader": [("decode ctx 64", "decode_64", 10.0, "tok/s"),
                    ("decode vs lavapipe (native, same artifact, same run)", "decode_vs_native", 0.5, "x"),
                    ("first token, 37-token chat prompt (s, at most)", "ttft_37_s", 1.5, "s<=")],
}


def adapter_kind(description: str) -> str:
    d = description.lower()
    return "swiftshader" if "swiftshader" in d else "lavapipe" if ("llvmpipe" in d or "lavapipe" in d) else "gpu"


def evaluate_targets(result: dict) -> list[dict]:
    """Each target of this adapter's kind with the figure measured for it (None when not measured)."""
    run = result["runs"][0]
    dec = {x["context"]: x["tok_s"] for x in run["decode"]}
    pre = {x["tokens"]: x for x in run["prefill"]}
    base = result.get("baseline", {})
    peer = {x["context"]: x["tok_s"] for x in base.get("torch", {}).get("decode", [])}
    hf = {x["tokens"]: x["tok_s"] for x in base.get("hf_eager", {}).get("prefill", [])}
    figures = {
        "decode_512": dec.get(512), "decode_64": dec.get(64),
        "decode_vs_torch_512": dec[512] / peer[512] if 512 in dec and peer.get(512) else None,
        "decode_2048_over_64": dec[2048] / dec[64] if 2048 in dec and 64 in dec else None,
        "matmul_vs_copy": run["step"].get("matmul_vs_copy"),
        "largest_matmul_vs_copy": run["step"]["largest_matmul"]["gb_s"] / run["step"]["copy_gb_s"]
        if run["step"].get("largest_matmul") and run["step"].get("copy_gb_s") else None,
        "prefill_512_vs_hf": pre[512]["tok_s"] / hf[512] if 512 in pre and hf.get(512) else None,
        "decode_vs_numpy": (dec.get(64) / result["numpy"]["decode_tok_s"]) if "numpy" in result and 64 in dec else None,
        "ttft_37_s": result.get("chat_ttft_s"),
        "decode_vs_native": dec[64] / result["native"]["decode_64"] if 64 in dec and result.get("native") else None,
        "compile_and_load_s": (result["compile"]["compile_s"] + result["compile"]["first_load_s"])
        if "compile" in result else None,
    }
    out = []
    for what, key, target, unit in TARGETS[result["device"]["kind"]] + TARGETS["all"]:
        v = figures.get(key)
        met = None if v is None else (v <= target if unit == "s<=" else v >= target)
        out.append({"what": what, "value": v, "target": target, "unit": unit, "met": met})
    return out


def print_table(result: dict) -> None:
    d = result["device"]
    print(f"adapter: {d['adapter']} ({d['type']}, {d['backend']}); model {result['model']['id']} "
          f"({result['model']['source']}), {result['model']['layers']} layers")
    for r in result["runs"]:
        s = r["step"]
        tuned = r.get("autotune")
        how = (f"autotuned in {tuned['seconds']:.2f} s: " + ", ".join(f"{v} {ms:.3f} ms" for v, ms in tuned["ms"].items())
               + "".join(f", {v} rejected ({why})" for v, why in tuned["rejected"].items())) if tuned else ""
        print(f"\n[{r['variant']} kernels]  {s['dispatches']} dispatches, {s['passes']} pass, {s['submits']} submit per "
              f"decode token; CPU encode+submit {s['cpu_encode_submit_ms']:.2f} ms/step"
              + (f"; GPU {s['gpu_step_ms']:.2f} ms/step" if "gpu_step_ms" in s else "")
              + f"; loaded in {r['load_s']:.2f} s; decode bursts of {r['burst']}" + (f"\n  {how}" if how else ""))
        print("  prefill   " + "  ".join(f"{p['tokens']:>4} tok: {p['tok_s']:8.1f} tok/s (TTFT {p['ttft_ms']:.0f} ms)"
                                         for p in r["prefill"]))
        print("  decode    " + "  ".join(f"ctx {x['context']:>4}: {x['tok_s']:7.2f} tok/s" for x in r["decode"]))
        print("  batched   " + "  ".join(f"x{b['batch']:<2}: {b['tok_s']:7.2f} tok/s" for b in r["batch"]))
        if "gpu_kernels_ms" in s:
            parts = ", ".join(f"{op} {ms:.3f}" for op, ms in s["gpu_kernels_ms"].items())
            print(f"  kernels   {parts} ms (sum {s['gpu_kernels_sum_ms']:.2f} ms, one pass each)")
            big = s.get("largest_matmul")
            probes = (f"; buffer copy {s['copy_buffer_gb_s']:.0f}, copy kernel {s['copy_kernel_gb_s']:.0f} GB/s"
                      if "copy_kernel_gb_s" in s else "")   # the browser runtime's probe is a buffer copy alone
            print(f"  matmuls   {s['matmul_gb_s']:.1f} GB/s of weights; copy probe {s['copy_gb_s']:.1f} GB/s "
                  f"({100 * s['matmul_vs_copy']:.0f}% of copy{probes})"
                  + (f"; largest ({big['bytes'] / 1e6:.0f} MB) {big['gb_s']:.1f} GB/s = "
                     f"{100 * big['gb_s'] / s['copy_gb_s']:.0f}% of copy" if big else ""))
        if "prefill_step" in r:
            ps = r["prefill_step"]
            print(f"  prefill step of {ps['rows']} rows: GPU {ps['gpu_step_ms']:.2f} ms in one pass; "
                  + ", ".join(f"{op} {ms:.2f}" for op, ms in ps["gpu_kernels_ms"].items()) + " ms (one pass each)")
        if "split" in r:
            sp = r["split"]
            print(f"  --split {','.join(map(str, sp['split']))}: one pass {sp['local']:.2f} tok/s "
                  f"({sp['local'] / sp['unsplit']:.2f}x unsplit), relayed {sp['relay']:.2f} tok/s "
                  f"({sp['relay'] / sp['unsplit']:.2f}x); "
                  f"{', '.join(f'{b:.0f}' for b in sp['relay_bytes_per_token_per_hop'])} bytes/token per hop")
        if "gpu_kernel_names_ms" in s:
            print("  top kernels (ms per decode step): " + ", ".join(
                f"{k.rsplit('_', 1)[0]} {ms:.3f}" for k, ms in list(s["gpu_kernel_names_ms"].items())[:6]))
        for c in r.get("compare", []):
            cs = c.get("step", {})
            if "skipped" in c:
                print(f"  vs {c['artifact']}: skipped, {c['skipped']}")
            elif "gpu_kernels_ms" in cs:
                print(f"  vs {c['artifact']}: GPU {cs['gpu_step_ms']:.2f} ms/step (this one {s.get('gpu_step_ms', 0):.2f}); "
                      + ", ".join(f"{op} {ms:.3f}" for op, ms in cs["gpu_kernels_ms"].items())
                      + f" ms; {cs['dispatches']} dispatches, CPU {cs['cpu_encode_submit_ms']:.2f} ms")
    if "numpy" in result:
        n = result["numpy"]
        print(f"\nnumpy f32 reference: prefill {n['prefill_tok_s']:.1f} tok/s, decode {n['decode_tok_s']:.2f} tok/s")
        for r in result["runs"]:
            print(f"  {r['variant']} decode at ctx {r['decode'][0]['context']} vs numpy: "
                  f"{r['decode'][0]['tok_s'] / n['decode_tok_s']:.2f}x")
    if "compile" in result:
        c = result["compile"]
        print(f"\nSmolLM2 compile {c['compile_s']:.2f} s, then first load {c['first_load_s']:.2f} s "
              f"({c['variant']} kernels{', autotuned' if c['autotune'] else ''})")
    base = result.get("baseline", {})
    if "torch" in base and "error" not in base["torch"]:
        t = base["torch"]
        ours = {x["context"]: x["tok_s"] for x in result["runs"][0]["decode"]}
        print(f"\ntorch peer ({t['device']}, torch {t['torch']}, {t['dtype']}, "
              f"{'CUDA graph' if t['graph'] else 'eager'}, static KV cache):")
        for x in t["decode"]:
            ratio = f" -> ours {ours[x['context']] / x['tok_s']:.2f}x" if x["context"] in ours else ""
            print(f"  decode ctx {x['context']:>4}: {x['tok_s']:8.1f} tok/s{ratio}")
    pre = {x["tokens"]: x["tok_s"] for x in result["runs"][0]["prefill"]}
    for key, what in (("torch_prefill", "torch peer prefill (CUDA graph, f32, TF32 off)"),
                      ("hf_eager", "HF transformers eager prefill")):
        if "prefill" in base.get(key, {}):
            print(f"{what}: " + "  ".join(
                f"{x['tokens']} tok: {x['tok_s']:.0f} tok/s" + (f" (ours {pre[x['tokens']] / x['tok_s']:.2f}x)"
                                                                 if x["tokens"] in pre else "")
                for x in base[key]["prefill"]))
    for k, v in base.items():
        if isinstance(v, dict) and "error" in v:
            print(f"baseline {k}: {v['error']}")
    if result.get("targets"):
        print(f"\ntargets ({result['device']['kind']}):")
        for t in result["targets"]:
            v = "not measured" if t["value"] is None else f"{t['value']:.2f}"
            mark = "" if t["met"] is None else ("  met" if t["met"] else "  NOT met")
            rel = "<=" if t["unit"] == "s<=" else ">="
            print(f"  {t['what']}: {v} (target {rel} {t['target']:g}{'' if t['unit'] in ('x', 's<=') else ' ' + t['unit']})"
                  f"{mark}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="webshard bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--artifact", type=Path, default=None, help="measure this artifact (default: SmolLM2, built here)")
    ap.add_argument("--synthetic", action="store_true",
                    help="SmolLM2's shapes with random weights (for machines without the bundled model)")
    ap.add_argument("--variants", default=None, help="cpu,gpu (default: the adapter's own variant)")
    ap.add_argument("--prefill", type=_ints, default=[16, 128, 512])
    ap.add_argument("--contexts", type=_ints, default=None, help="decode contexts (default 64,512,2048; CPU: 64,512)")
    ap.add_argument("--batch", type=_ints, default=[1, 4, 8, 16])
    ap.add_argument("--decode-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3,
                    help="prefill and decode runs per figure; the median is reported")
    ap.add_argument("--split", type=_ints, default=[10, 20], help="stage cut points to compare (empty: skip)")
    ap.add_argument("--no-profile", action="store_true", help="skip the timestamp-query profile")
    ap.add_argument("--no-numpy", action="store_true")
    ap.add_argument("--burst", type=int, default=None,
                    help="decode steps per submit when every sequence decodes (default: the chain's choice)")
    ap.add_argument("--baseline", choices=["torch"], default=None,
                    help="also time CUDA-graph torch decode and prefill, and HF eager prefill, with the same shapes "
                         "(torch optional; on this machine's CUDA device when it has one)")
    ap.add_argument("--compare", type=Path, action="append", default=None,
                    help="also profile one decode step of this artifact (e.g. an older build), same process")
    ap.add_argument("--json", nargs="?", const="-", default=None, help="print JSON (or write it to a file)")
    ap.add_argument("--browser", action="store_true",
                    help="run in headless Chromium through the browser runtime (Playwright); prints the same table "
                         "and JSON, plus native decode on this machine's adapter for the ratio")
    ap.add_argument("--dawn", action="store_true",
                    help="run the browser runtime in node on Dawn (Chrome's WebGPU implementation, npm `webgpu`) "
                         "on this machine's Vulkan adapter; prints the same table and JSON")
    args = ap.parse_args(argv)
    if args.browser and args.dawn:
        ap.error("--browser and --dawn are two ways to run the browser runtime: choose one")
    if args.browser or args.dawn:
        return browser_main(args)
    artifact, model = prepare(args)
    manifest = read_manifest(artifact)
    gpu = get_gpu()
    from .gpu import kernel_variant

    variants = args.variants.split(",") if args.variants else [None]
    if args.contexts is None:
        args.contexts = [64, 512] if kernel_variant(gpu, None, manifest) == "cpu" else [64, 512, 2048]
    if args.split and max(args.split) >= manifest["model"]["config"]["n_layers"]:
        args.split = []
    cfg = manifest["model"]["config"]
    result = {"device": {"adapter": gpu.name, "type": gpu.adapter_type, "backend": gpu.backend,
                         "kind": adapter_kind(gpu.description),
                         "features": sorted(f for f in gpu.features if f in ("shader-f16", "subgroup",
                                                                             "timestamp-query"))},
              "model": {"id": manifest["model"]["id"], "source": manifest["model"]["source"]["path"],
                        "layers": cfg["n_layers"], "weight_bytes": manifest["stats"]["weight_bytes"]},
              "runs": [bench_variant(artifact, manifest, v, args) for v in variants]}
    if not args.no_numpy and model is not None:
        result["numpy"] = measure_numpy(model, cfg["vocab_size"], 16)
    if not args.synthetic and not args.artifact:
        result["compile"] = measure_compile()
    if args.baseline == "torch":
        result["baseline"] = measure_torch(cfg, args)
    result["targets"] = evaluate_targets(result)
    if args.json == "-":
        print(json.dumps(result, indent=1))
    else:
        print_table(result)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


def browser_main(args) -> int:
    """--browser / --dawn: the same measurements through the browser runtime (compiler/browser_bench.py), in a
    Chromium tab or in node on Dawn, and native decode of the same artifact for the ratio. A Chromium tab gets
    smaller defaults (a software adapter in a browser decodes a few tokens a second); Dawn runs the full set."""
    from ..browser_bench import CHAT_PROMPT, run_browser_bench, run_dawn_bench

    artifact, _ = prepare(args)
    manifest = read_manifest(artifact)
    vocab = manifest["model"]["config"]["vocab_size"]
    if args.dawn:
        tokens = args.decode_tokens
        args.contexts = args.contexts or [64, 512, 2048]
        result = run_dawn_bench(artifact, variant=args.variants, prefill=args.prefill,
                                contexts=args.contexts, batch=args.batch, decode_tokens=tokens,
                                repeats=args.repeats, profile=not args.no_profile,
                                chat_prompt=None if args.synthetic else CHAT_PROMPT)
    else:
        tokens = min(args.decode_tokens, 16)
        prefill = [16, 128] if args.prefill == [16, 128, 512] else args.prefill
        result = run_browser_bench(artifact, variant=args.variants, prefill=prefill, contexts=args.contexts or [64],
                                   batch=[b for b in args.batch if b <= 1] or [1], decode_tokens=tokens, repeats=1,
                                   profile=not args.no_profile)
    chain = LocalChain.load(artifact, slots=1)
    engine = Engine(chain, burst=chain.burst_hint)
    measure_decode(engine, vocab, 16, 2)   # warm
    native = measure_decode(engine, vocab, 64, tokens, 1)
    result["native"] = {"adapter": get_gpu().name, "variant": chain.ws.variant, "decode_64": native["tok_s"]}
    del engine, chain
    if args.baseline == "torch":
        result["baseline"] = measure_torch(manifest["model"]["config"], args)
    result["targets"] = evaluate_targets(result)
    if args.json == "-":
        print(json.dumps(result, indent=1))
        return 0
    print_table(result)
    c = result.get("chat")
    if c:
        print(f"\nchat prompt of {c['tokens']} tokens: first token {c['ttft_s']:.2f} s after the request "
              f"({'model loaded' if args.dawn else 'page ready'} in {result['page_ready_s']:.1f} s)")
    print(f"native on {result['native']['adapter']} ({result['native']['variant']} kernels), same artifact: "
          f"decode ctx 64 {result['native']['decode_64']:.2f} tok/s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


def measure_torch(cfg: dict, args) -> dict:
    """The torch peers, in this process: CUDA-graph decode at our contexts, CUDA-graph prefill and HF eager prefill
    at our lengths."""
    from . import torch_peer

    why = torch_peer.available()
    if why:
        return {"torch": {"error": why}}
    out = {}
    try:
        out["torch"] = torch_peer.torch_decode_tok_s(cfg, args.contexts, tokens=max(32, args.decode_tokens),
                                                     repeats=args.repeats)
    except Exception as e:  # noqa: BLE001 - a baseline that fails must not lose our own figures
        out["torch"] = {"error": f"{type(e).__name__}: {e}"}
    try:
        out["torch_prefill"] = torch_peer.torch_prefill_tok_s(cfg, args.prefill)
    except Exception as e:  # noqa: BLE001
        out["torch_prefill"] = {"error": f"{type(e).__name__}: {e}"}
    try:
        out["hf_eager"] = torch_peer.hf_eager_prefill_tok_s(cfg, args.prefill)
    except Exception as e:  # noqa: BLE001
        out["hf_eager"] = {"error": f"{type(e).__name__}: {e}"}
    return out


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None


if __name__ == "__main__":
    raise SystemExit(main())
