"""A tiny BERT made inside the tests (no download): an HF directory in the sentence-transformers layout.

It has what all-MiniLM-L6-v2 has, at toy sizes: HF BERT tensor names (separate Q/K/V with biases, token-type
embeddings, a pooler and position_ids that the importer must ignore), a WordPiece tokenizer.json with BERT's
normalizer, pre-tokenizer and [CLS]/[SEP] template (and, like the real file, truncation and padding switched on),
modules.json with Pooling and Normalize, and sentence_bert_config.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "cat", "dog", "sat", "on", "mat", "a", "is", "eating", "food", "man", "hello", "world", "search",
         "browser", "tab", "##s", "##ing", "##ed", ",", ".", "!", "?", "'"]


def tiny_vocab() -> list[str]:
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
    return SPECIALS + WORDS + [w for w in letters if w not in WORDS] + ["##" + w for w in letters]


def tiny_wordpiece(truncate_at: int = 16):
    """A BERT-style WordPiece tokenizer over tiny_vocab(), with truncation and padding on like the real file's."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(tiny_vocab())}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    tok.enable_truncation(truncate_at)
    tok.enable_padding(length=truncate_at, pad_id=0, pad_token="[PAD]")
    return tok


def make_tiny_bert(out_dir: Path, *, seed: int = 3, layers: int = 2, d: int = 32, heads: int = 4, ff: int = 64,
                   context: int = 64, max_seq_length: int | None = 40, pooling: str = "mean", normalize: bool = True,
                   hidden_act: str = "gelu", sentence_transformers: bool = True) -> Path:
    from safetensors.numpy import save_file

    tok = tiny_wordpiece()
    V = tok.get_vocab_size()
    rng = np.random.default_rng(seed)

    def n(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = {
        "embeddings.word_embeddings.weight": n(V, d, scale=0.5),
        "embeddings.position_embeddings.weight": n(context, d, scale=0.3),
        "embeddings.token_type_embeddings.weight": n(2, d, scale=0.3),
        "embeddings.LayerNorm.weight": 1 + n(d, scale=0.1), "embeddings.LayerNorm.bias": n(d, scale=0.1),
        "embeddings.position_ids": np.arange(context, dtype=np.int64)[None, :],
        "pooler.dense.weight": n(d, d), "pooler.dense.bias": n(d),
    }
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for part in ("query", "key", "value"):
            w[p + f"attention.self.{part}.weight"] = n(d, d, scale=2 / np.sqrt(d))
            w[p + f"attention.self.{part}.bias"] = n(d, scale=0.1)
        w |= {
            p + "attention.output.dense.weight": n(d, d, scale=1 / np.sqrt(d)),
            p + "attention.output.dense.bias": n(d, scale=0.1),
            p + "attention.output.LayerNorm.weight": 1 + n(d, scale=0.1),
            p + "attention.output.LayerNorm.bias": n(d, scale=0.1),
            p + "intermediate.dense.weight": n(ff, d, scale=2 / np.sqrt(d)),
            p + "intermediate.dense.bias": n(ff, scale=0.1),
            p + "output.dense.weight": n(d, ff, scale=1 / np.sqrt(ff)),
            p + "output.dense.bias": n(d, scale=0.1),
            p + "output.LayerNorm.weight": 1 + n(d, scale=0.1),
            p + "output.LayerNorm.bias": n(d, scale=0.1),
        }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_file(w, str(out / "model.safetensors"))
    (out / "config.json").write_text(json.dumps({
        "model_type": "bert", "architectures": ["BertModel"], "hidden_act": hidden_act, "hidden_size": d,
        "intermediate_size": ff, "num_attention_heads": heads, "num_hidden_layers": layers, "vocab_size": V,
        "max_position_embeddings": context, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute", "pad_token_id": 0,
    }))
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": True, "cls_token": "[CLS]",
                                                            "sep_token": "[SEP]", "pad_token": "[PAD]"}))
    if sentence_transformers:
        modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
        if normalize:
            modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                            "type": "sentence_transformers.models.Normalize"})
        (out / "modules.json").write_text(json.dumps(modules))
        (out / "1_Pooling").mkdir(exist_ok=True)
        (out / "1_Pooling" / "config.json").write_text(json.dumps({
            "word_embedding_dimension": d, "pooling_mode_cls_token": pooling == "cls",
            "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": pooling == "max",
            "pooling_mode_mean_sqrt_len_tokens": False}))
        if max_seq_length is not None:
            (out / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_seq_length,
                                                                       "do_lower_case": False}))
    return out


SENTENCES = [
    "Hello, world!",
    "The cat sat on the mat.",
    "a",
    "A man is eating food; the dog is eating too, and the cats sat on the mats in the browser tab!",
    "search",
]
