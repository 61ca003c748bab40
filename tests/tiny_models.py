"""Tiny deterministic models made inside the tests (no download): a llama GGUF and a gpt2 HF directory.

Both use a real byte-level BPE tokenizer (256 byte tokens + a few merges + chat specials), so they go through the
same importers, tokenizer builders and compiler as the real model.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
MERGE_WORDS = ["the", "he", "in", "on", "an", "er", "at", "is", "it"]


def byte_unicode() -> list[str]:
    """GPT-2's byte -> printable character table (so every byte is one vocabulary symbol)."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, cs))
    return [chr(table[b]) for b in range(256)]


def tiny_vocab() -> tuple[list[str], list[str], list[int]]:
    """(tokens, merges, token_types) — specials first so their ids are small and stable."""
    tokens = list(SPECIALS) + byte_unicode()
    merges = []
    for w in MERGE_WORDS:
        for a, b in ((w[:-1], w[-1]),):
            if len(a) > 1 and a not in tokens:
                merges.append(f"{a[0]} {a[1:]}")
                tokens.append(a)
            merges.append(f"{a} {b}")
            if w not in tokens:
                tokens.append(w)
        sp = "Ġ" + w
        merges.append(f"Ġ {w}")
        tokens.append(sp)
    types = [3] * len(SPECIALS) + [1] * (len(tokens) - len(SPECIALS))
    return tokens, merges, types


def _weights(rng, cfg: dict) -> dict[str, np.ndarray]:
    D, F, V, L = cfg["d"], cfg["ff"], cfg["vocab"], cfg["layers"]
    kv = cfg["kv_heads"] * (D // cfg["heads"])
    # An untied output head, so greedy tokens depend on the layers rather than echoing the input embedding.
    w = {"token_embd.weight": rng.standard_normal((V, D)), "output.weight": rng.standard_normal((V, D)),
         "output_norm.weight": 1 + 0.1 * rng.standard_normal(D)}
    for i in range(L):
        b = f"blk.{i}."
        w |= {
            b + "attn_norm.weight": 1 + 0.1 * rng.standard_normal(D),
            b + "ffn_norm.weight": 1 + 0.1 * rng.standard_normal(D),
            b + "attn_q.weight": rng.standard_normal((D, D)) / np.sqrt(D) * 2,
            b + "attn_k.weight": rng.standard_normal((kv, D)) / np.sqrt(D) * 2,
            b + "attn_v.weight": rng.standard_normal((kv, D)) / np.sqrt(D),
            b + "attn_output.weight": rng.standard_normal((D, D)) / np.sqrt(D),
            b + "ffn_gate.weight": rng.standard_normal((F, D)) / np.sqrt(D),
            b + "ffn_up.weight": rng.standard_normal((F, D)) / np.sqrt(D),
            b + "ffn_down.weight": rng.standard_normal((D, F)) / np.sqrt(F),
        }
    return {k: v.astype(np.float32) for k, v in w.items()}


# A different format per tensor role exercises every decoder in one model.
LLAMA_FORMATS = {
    "token_embd": "q8_0", "attn_q": "q4_1", "attn_k": "q4_1", "attn_v": "q4_1", "attn_output": "q4_0",
    "ffn_gate": "q8_0", "ffn_up": "q8_0", "ffn_down": "f16", "output": "q4_0",
}


def make_tiny_llama(out_dir: Path, *, seed: int = 0, layers: int = 2, context: int = 128, name="tiny-llama.gguf",
                    formats: dict[str, str] | None = None) -> Path:
    """A llama-architecture GGUF with quantized weights (Q4_0, Q4_1, Q8_0, F16, F32); `formats` overrides the
    format per tensor role (e.g. {"attn_v": "q8_0"})."""
    fmts = LLAMA_FORMATS | (formats or {})
    import gguf

    from compiler.quant import quantize

    tokens, merges, types = tiny_vocab()
    cfg = {"d": 64, "ff": 96, "heads": 4, "kv_heads": 2, "layers": layers, "vocab": len(tokens)}
    rng = np.random.default_rng(seed)
    weights = _weights(rng, cfg)
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    wr = gguf.GGUFWriter(str(path), "llama")
    wr.add_name("tiny-llama")
    wr.add_block_count(layers)
    wr.add_context_length(context)
    wr.add_embedding_length(cfg["d"])
    wr.add_feed_forward_length(cfg["ff"])
    wr.add_head_count(cfg["heads"])
    wr.add_head_count_kv(cfg["kv_heads"])
    wr.add_layer_norm_rms_eps(1e-5)
    wr.add_rope_freq_base(10000.0)
    wr.add_tokenizer_model("gpt2")
    wr.add_tokenizer_pre("default")
    wr.add_token_list(tokens)
    wr.add_token_types(types)
    wr.add_token_merges(merges)
    wr.add_bos_token_id(0)
    wr.add_eos_token_id(SPECIALS.index("<|im_end|>"))
    wr.add_add_bos_token(False)
    wr.add_chat_template(CHAT_TEMPLATE)
    for name_, arr in weights.items():
        role = name_.split(".")[-2] if name_.startswith("blk.") else name_.split(".")[0]
        fmt = fmts.get(role, "f32") if arr.ndim == 2 else "f32"
        t = quantize(name_, arr, fmt)
        if fmt in ("f32", "f16"):
            wr.add_tensor(name_, np.ascontiguousarray(t.data))
        else:
            wr.add_tensor(name_, t.data, raw_dtype=__import__("compiler.quant", fromlist=["GGML_TYPE"]).GGML_TYPE[fmt])
    wr.write_header_to_file()
    wr.write_kv_data_to_file()
    wr.write_tensors_to_file()
    wr.close()
    return path


def tiny_hf_tokenizer():
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tokens, merges, _ = tiny_vocab()
    tok = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ")) for m in merges]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    return tok


def make_tiny_gpt2(out_dir: Path, *, seed: int = 1, layers: int = 2, context: int = 128) -> Path:
    """A gpt2 HF directory: config.json, model.safetensors (f32, Conv1D layout), tokenizer files."""
    from safetensors.numpy import save_file

    tok = tiny_hf_tokenizer()
    V, D, F, H = tok.get_vocab_size(), 64, 128, 4
    rng = np.random.default_rng(seed)
    n = lambda *s, scale=1.0: (rng.standard_normal(s) * scale).astype(np.float32)  # noqa: E731
    w = {"wte.weight": n(V, D, scale=0.5), "wpe.weight": n(context, D, scale=0.3),
         "ln_f.weight": 1 + n(D, scale=0.1), "ln_f.bias": n(D, scale=0.1)}
    for i in range(layers):
        p = f"h.{i}."
        w |= {
            p + "ln_1.weight": 1 + n(D, scale=0.1), p + "ln_1.bias": n(D, scale=0.1),
            p + "attn.c_attn.weight": n(D, 3 * D, scale=2 / np.sqrt(D)), p + "attn.c_attn.bias": n(3 * D, scale=0.1),
            p + "attn.c_proj.weight": n(D, D, scale=3 / np.sqrt(D)), p + "attn.c_proj.bias": n(D, scale=0.1),
            p + "ln_2.weight": 1 + n(D, scale=0.1), p + "ln_2.bias": n(D, scale=0.1),
            p + "mlp.c_fc.weight": n(D, F, scale=1 / np.sqrt(D)), p + "mlp.c_fc.bias": n(F, scale=0.1),
            p + "mlp.c_proj.weight": n(F, D, scale=3 / np.sqrt(F)), p + "mlp.c_proj.bias": n(D, scale=0.1),
        }
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    save_file(w, str(d / "model.safetensors"))
    (d / "config.json").write_text(json.dumps({
        "model_type": "gpt2", "n_layer": layers, "n_embd": D, "n_head": H, "n_inner": F, "vocab_size": V,
        "n_positions": context, "layer_norm_epsilon": 1e-5, "bos_token_id": 0, "eos_token_id": 0,
    }))
    tok.save(str(d / "tokenizer.json"))
    (d / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "chat_template": CHAT_TEMPLATE,
    }))
    return d


def make_tiny_hf_llama(out_dir: Path, *, seed: int = 2, layers: int = 2, context: int = 128) -> Path:
    """A llama HF directory (f16 and f32 safetensors under HF names, rotate-half RoPE, untied lm_head)."""
    from safetensors.numpy import save_file

    tok = tiny_hf_tokenizer()
    cfg = {"d": 64, "ff": 96, "heads": 4, "kv_heads": 2, "layers": layers, "vocab": tok.get_vocab_size()}
    w = _weights(np.random.default_rng(seed), cfg)
    hf = {"model.embed_tokens.weight": w["token_embd.weight"], "lm_head.weight": w["output.weight"],
          "model.norm.weight": w["output_norm.weight"]}
    names = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm", "attn_q": "self_attn.q_proj",
             "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    for i in range(layers):
        for ours, theirs in names.items():
            arr = w[f"blk.{i}.{ours}.weight"]
            # Half the matrices in f16, as HF checkpoints often are.
            hf[f"model.layers.{i}.{theirs}.weight"] = arr.astype(np.float16) if ours.startswith("ffn_") and arr.ndim == 2 else arr
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    save_file(hf, str(d / "model.safetensors"))
    (d / "config.json").write_text(json.dumps({
        "model_type": "llama", "num_hidden_layers": layers, "hidden_size": cfg["d"], "num_attention_heads": cfg["heads"],
        "num_key_value_heads": cfg["kv_heads"], "intermediate_size": cfg["ff"], "vocab_size": cfg["vocab"],
        "max_position_embeddings": context, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False,
    }))
    tok.save(str(d / "tokenizer.json"))
    (d / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": "<|endoftext|>", "eos_token": "<|im_end|>", "chat_template": CHAT_TEMPLATE,
    }))
    return d
