"""The `webshard` command: compile, generate, chat, info, render, serve.

Errors in the user's input print one line (`error: ...`) and exit 1; --debug shows the traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from server.textstream import IncrementalDecoder

from .errors import WebshardError
from .kernels import VARIANTS

DEFAULT_ARTIFACT = Path("build/models/smollm2")


def _add_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--artifact", type=Path, default=None,
                   help=f"compiled artifact directory (default: {DEFAULT_ARTIFACT}, compiled from the bundled model if missing)")
    p.add_argument("--model", default=None, help="compile this model first (smollm2, a .gguf path, or an HF directory)")
    p.add_argument("--variant", choices=VARIANTS, default=None, help="kernel variant (default: chosen from the adapter)")


def _add_sampling_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-tokens", type=int, default=128)
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy (default)")
    p.add_argument("--top-k", type=int, default=0)
    p.add_argument("--top-p", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)


def _load(args):
    from .build import compile_source, ensure_default_model
    from .native.model import Model

    if args.model:
        art = args.artifact or Path("build/models") / Path(str(args.model)).stem.lower()
        compile_source(args.model, art)
    else:
        art = args.artifact or ensure_default_model(DEFAULT_ARTIFACT)
    # One slot: a CLI session runs one sequence at a time (and reuses its KV cache turn after turn).
    return Model.load(art, variant=args.variant, slots=1, split=getattr(args, "split", None))


def _split_points(text: str) -> list[int]:
    try:
        points = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--split takes layer numbers separated by commas, e.g. 10,20; got {text!r}")
    if not points:
        raise argparse.ArgumentTypeError("--split needs at least one layer number")
    return points


class _PrefillBar:
    """A progress bar on stderr while a long prompt is read, when stderr is a terminal (tqdm)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="prompt", unit="tok", file=sys.stderr, leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _sampling(args):
    from .native.batch import Sampling

    return Sampling(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, seed=args.seed)


def cmd_compile(args) -> int:
    from .build import compile_source

    out = args.output or Path("build/models") / Path(str(args.source)).stem.lower()
    manifest, secs = compile_source(args.source, out, model_id=args.id, max_context=args.context,
                                    max_tokens=args.step_tokens, weights=args.weights)
    st = manifest["stats"]
    size = sum(f.stat().st_size for f in Path(out).rglob("*") if f.is_file())
    print(f"compiled {manifest['model']['id']} -> {out} in {secs:.2f} s: {st['kernels']} kernels, "
          f"{len(manifest['shards'])} shards, {size / 2**20:.1f} MiB, {st['dispatches_per_decode_token']} dispatches/token")
    return 0


def cmd_generate(args) -> int:
    from .native.model import top_k_pairs

    m = _load(args)
    ids = m.encode_chat([{"role": "user", "content": args.prompt}]) if args.chat else m.encode(args.prompt)
    if args.json:
        m.warm_up()   # so prefill_ms measures the prompt, not first-use shader compilation
    stream = IncrementalDecoder(m.decode)
    out: list[int] = []
    bar = _PrefillBar(sys.stderr.isatty())
    for tok in m.generate(ids, max_tokens=args.max_tokens, sampling=_sampling(args), keep_logits=args.json,
                          on_prefill=bar):
        bar.close()
        out.append(tok)
        if not args.json:
            sys.stdout.write(stream.push(tok))
            sys.stdout.flush()
    if not args.json:
        sys.stdout.write(stream.flush())
    t = m.timings
    if args.json:
        print(json.dumps({
            "prompt_ids": ids,
            "ids": out,
            "text": m.decode(out),
            "first_top10": top_k_pairs(t.first_logits, 10),
            "prefill_ms": round(t.prefill_ms, 2),
            "prefill_tok_s": round(t.prefill_tok_s, 2),
            "decode_tok_s": round(t.decode_tok_s, 2),
            "adapter": m.gpu.name,
            "variant": m.variant,
            "stages": len(m.chain.stages),
        }))
    else:
        print(flush=True)
        print(f"[{len(ids)} prompt tokens, prefill {t.prefill_ms:.0f} ms; {len(out)} tokens, "
              f"decode {t.decode_tok_s:.1f} tok/s on {m.gpu.name} ({m.variant})]", file=sys.stderr)
    return 0


def cmd_chat(args) -> int:
    m = _load(args)
    history: list[dict] = [{"role": "system", "content": args.system}] if args.system else []
    print(f"webshard chat — {m.model_id} on {m.gpu.name}. Empty line or Ctrl-D to quit; Ctrl-C stops a reply.",
          file=sys.stderr)
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line.strip():
            return 0
        turns = history + [{"role": "user", "content": line}]
        ids = _fit_chat(m, turns, keep=1 + bool(args.system), room=args.max_tokens)
        if ids is None:
            n = len(m.encode_chat(turns[:bool(args.system)] + turns[-1:]))
            print(f"error: that message is {n} tokens with the chat template, and the context holds "
                  f"{m.max_context}; send a shorter one (the conversation is kept)", file=sys.stderr)
            continue
        stream = IncrementalDecoder(m.decode)
        out: list[int] = []
        stopped = _reply(m, ids, args, stream, out)
        sys.stdout.write(stream.flush())
        print(" [stopped]" if stopped else "", flush=True)
        history = turns + [{"role": "assistant", "content": m.decode(out)}]


class _StopReply(Exception):
    """Ctrl-C during a reply: raised at a step boundary, so the model is never left mid-step."""


def _reply(m, ids: list[int], args, stream, out: list[int]) -> bool:
    """Stream one reply to stdout; True when Ctrl-C stopped it. While it runs, Ctrl-C only sets a flag, which is
    checked between steps (during the prompt) and between tokens: an interrupt inside a GPU step could leave the
    generation loop's bookkeeping half-updated."""
    import signal

    interrupted = []
    bar = _PrefillBar(sys.stderr.isatty())

    def on_prefill(done: int, total: int) -> None:
        if interrupted:
            raise _StopReply
        bar(done, total)

    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    tokens = m.generate(ids, max_tokens=args.max_tokens, sampling=_sampling(args), on_prefill=on_prefill)
    try:
        for tok in tokens:
            bar.close()
            out.append(tok)
            sys.stdout.write(stream.push(tok))
            sys.stdout.flush()
            if interrupted:
                tokens.close()   # cancels the sequence and reads the steps in flight
                break
    except _StopReply:
        pass
    finally:
        bar.close()
        signal.signal(signal.SIGINT, previous)
    return bool(interrupted)


def _fit_chat(m, turns: list[dict], *, keep: int, room: int) -> list[int] | None:
    """Prompt ids for `turns`, dropping the oldest turns after the first `keep` - 1 (a system message) until a reply
    of `room` tokens fits; None when even the last message alone leaves no room for a single token."""
    turns = list(turns)
    ids = m.encode_chat(turns)
    while len(ids) + room > m.max_context and len(turns) > keep:
        del turns[keep - 1]
        ids = m.encode_chat(turns)
    return ids if len(ids) < m.max_context else None


def cmd_info(args) -> int:
    from .native.gpu import get_gpu, kernel_variant

    g = get_gpu()
    lim = g.adapter.limits
    print(f"adapter: {g.name} ({g.adapter_type}); kernel variant: {kernel_variant(g, args.variant)}")
    print(f"features: {', '.join(sorted(g.features))}")
    for k in ("max-storage-buffer-binding-size", "max-storage-buffers-per-shader-stage",
              "max-compute-invocations-per-workgroup", "max-compute-workgroup-storage-size"):
        print(f"  {k}: {lim.get(k)}")
    art = args.artifact or DEFAULT_ARTIFACT
    if (Path(art) / "manifest.json").exists():
        from .artifact import read_manifest

        m = read_manifest(Path(art))
        c = m["model"]["config"]
        print(f"artifact {art}: {m['model']['id']} ({c['arch']}, {c['n_layers']} layers, d={c['d_model']}, "
              f"vocab {c['vocab_size']}), context {m['limits']['max_context']}, {len(m['kernels'])} kernels, "
              f"{len(m['shards'])} shards, {m['stats']['weight_bytes'] / 2**20:.1f} MiB weights, "
              f"{m['stats']['dispatches_per_decode_token']} dispatches/token")
    else:
        print(f"no artifact at {art} (webshard compile smollm2 -o {art})")
    return 0


def cmd_render(argv: list[str]) -> int:
    from .scene.cli import main

    return main(argv)


def cmd_embed(args) -> int:
    from .native.embed_cli import run

    return run(args)


def cmd_bench(argv: list[str]) -> int:
    if "--swarm" in argv:
        from server.swarm.bench import main as swarm_main

        return swarm_main([a for a in argv if a != "--swarm"])
    if "--embed" in argv:   # the encoder's benchmark lives apart (compiler/native/bench_embed.py)
        from .native.bench_embed import main as embed_main

        return embed_main([a for a in argv if a != "--embed"])
    from .native.bench import main

    return main(argv)


def cmd_worker(argv: list[str]) -> int:
    from .native.worker import main

    return main(argv)


def cmd_serve(argv: list[str]) -> int:
    from server.cli import serve_main

    return serve_main(argv)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="webshard", description="Compile models and scenes to WGSL; run them natively or in browsers.")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("compile", help="compile a model to an artifact directory")
    p.add_argument("source", help="smollm2 or minilm (bundled), a .gguf file, or an HF model directory")
    p.add_argument("-o", "--output", type=Path, default=None)
    p.add_argument("--id", default=None, help="model id in the manifest (default: from the source name)")
    p.add_argument("--context", type=int, default=None,
                   help="maximum context (KV cache rows; default 2048, or the model's trained context if smaller)")
    p.add_argument("--step-tokens", type=int, default=None,
                   help="maximum rows per step (default 512 for decoders: a prefill chunk, of which CPU kernel "
                        "variants run 64; 1024 for encoders: whole sentences, packed)")
    p.add_argument("--weights", choices=["f16", "f32"], default=None,
                   help="an encoder's matrix format (default f16; decoders keep their own formats)")
    p.set_defaults(fn=cmd_compile)

    p = sub.add_parser("embed", help="sentence embeddings natively (bundled all-MiniLM-L6-v2)")
    p.add_argument("texts", nargs="+", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print one JSON object (embeddings, token counts, timings)")
    p.add_argument("--artifact", type=Path, default=None,
                   help="compiled encoder (default: build/models/minilm, compiled from the bundled model if missing)")
    p.add_argument("--variant", choices=VARIANTS, default=None)
    p.add_argument("--no-truncate", action="store_true",
                   help="refuse a text longer than the model's max_seq_length instead of cutting it")
    p.set_defaults(fn=cmd_embed)

    p = sub.add_parser("generate", help="generate text natively")
    p.add_argument("prompt")
    p.add_argument("--split", type=_split_points, default=None, metavar="L1,L2,...",
                   help="run the model as stages cut before these layers, loaded apart and relayed through host "
                        "memory in the wire format (prints the same ids as an unsplit run)")
    p.add_argument("--chat", action="store_true", help="wrap the prompt in the model's chat template")
    p.add_argument("--json", action="store_true", help="print one JSON object (ids, text, top-10 logits, timings)")
    _add_model_args(p)
    _add_sampling_args(p)
    p.set_defaults(fn=cmd_generate)

    p = sub.add_parser("chat", help="interactive chat in the terminal")
    p.add_argument("--system", default=None)
    _add_model_args(p)
    _add_sampling_args(p)
    p.set_defaults(fn=cmd_chat)

    p = sub.add_parser("info", help="adapter, limits and artifact summary")
    p.add_argument("--artifact", type=Path, default=None)
    p.add_argument("--variant", choices=VARIANTS, default=None)
    p.set_defaults(fn=cmd_info)

    sub.add_parser("render", help="render a scene (see `webshard render --help`)", add_help=False)
    sub.add_parser("serve", help="start the server (see `webshard serve --help`)", add_help=False)
    sub.add_parser("bench", help="measure prefill, decode, batching and kernels (see `webshard bench --help`); "
                                 "--embed: sentence embeddings per second; --swarm: the swarm's figures",
                   add_help=False)
    sub.add_parser("worker", help="join a swarm with this machine's GPU (see `webshard worker --help`)",
                   add_help=False)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        # render/serve/bench/worker own their argument parsing.
        rest = [a for a in argv if a != "--debug"]
        own = {"render": cmd_render, "serve": cmd_serve, "bench": cmd_bench, "worker": cmd_worker}
        if rest and rest[0] in own:
            return own[rest[0]](rest[1:])
        args = build_parser().parse_args(rest)
        return args.fn(args)
    except KeyboardInterrupt:
        return 130
    except (WebshardError, ValueError, KeyError, FileNotFoundError, OSError) as e:
        if debug:
            raise
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
