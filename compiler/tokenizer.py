"""Tokenizers: model file -> `tokenizers.Tokenizer` + `TokenizerInfo` -> the artifact's `tokenizer.json` + manifest.

Where this sits: the importers (compiler.importers) call `tokenizer_from_gguf` / `tokenizer_info_from_gguf` or
`tokenizer_from_hf_dir` while building a `Model`. The artifact ships the tokenizer as `tokenizer.json`, which both
the native runtime (Python `tokenizers`) and the browser (`@huggingface/tokenizers`) read, and the `TokenizerInfo`
(BOS/EOS ids, chat template) goes into the manifest. At serve time `render_chat` turns chat messages into the
prompt string, and `ChatEncoder` / `encode_chat` into its ids with special tokens from the template only
(compiler/chat_template.py).

We only assemble: `tokenizers` does the BPE, pre-tokenization and byte-level decoding. A GGUF has no tokenizer.json,
just llama.cpp's metadata (vocab, merges, token types, a pre-tokenizer *name*), so the name is mapped here to the
split rules llama.cpp applies for it. tests/dev/make_hf_reference.py checks the result against llama.cpp and HF
transformers on the bundled SmolLM2; tests/test_tokenizer.py checks that the browser's library reads it the same.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from .chat_template import ChatEncoder, encode_chat, render_chat  # noqa: F401 - re-exported
from .errors import TokenizerError




# llama.cpp's token types (gguf.TokenType): which tokens are matched whole in text instead of going through BPE.
_TOKEN_CONTROL = 3       # <|im_start|>, <|endoftext|>: special, skipped by decode(skip_special_tokens=True)
_TOKEN_USER_DEFINED = 4  # added words like <think>: matched whole but decoded as ordinary text

# Tokens that close a chat turn. Chat models often stop on one of these rather than on tokenizer.ggml.eos_token_id,
# so any of them that the chat template writes is also an end-of-sequence id.
_END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>")

# Split rules per `tokenizer.ggml.pre`, as llama.cpp applies them (llama-vocab.cpp). Each is the sequence of
# pre-tokenizers whose output the vocabulary's merges were learned on; the byte-level mapping always comes last.
_LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# llama.cpp's fallback for a file that names no pre-tokenizer (punctuation runs first, digit runs cut in threes).
_LLAMA_CPP_DEFAULT_SPLITS = (
    r"[\p{P}\$\+<=>\^~\|]+",
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)",
    r"\p{N}+",
    r"[0-9][0-9][0-9]",
)
_QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def _gpt2_split() -> list:
    # ByteLevel's built-in regex is GPT-2's: 's|'t|... | ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    return [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]


def _digits_then_gpt2_split() -> list:
    # llama.cpp runs "\p{N}" first (every digit its own piece), then the GPT-2 regex on what is left. Spelled as that
    # regex rather than Digits(individual_digits): @huggingface/tokenizers' Digits misses numerals such as "½", so
    # the browser would encode differently from Python and llama.cpp.
    return [pre_tokenizers.Split(Regex(r"\p{N}"), behavior="isolated"), *_gpt2_split()]


def _regex_split(*patterns: str):
    # llama.cpp applies its regexes one after another, each cutting every piece so far into matches and the gaps
    # between them: tokenizers' Split(behavior="isolated"), chained.
    def build() -> list:
        return [
            *(pre_tokenizers.Split(Regex(p), behavior="isolated") for p in patterns),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]

    return build


_PRE_TOKENIZERS = {
    # "default" is what llama.cpp assumes when a file names none (it warns that quality may suffer); we split
    # the same way so that such files tokenize as llama.cpp, their reference, does.
    "default": _regex_split(*_LLAMA_CPP_DEFAULT_SPLITS),
    "gpt-2": _gpt2_split,
    "gpt2": _gpt2_split,  # not a llama.cpp name (it says "gpt-2"), but the obvious spelling of the same rule
    "smollm": _digits_then_gpt2_split,
    "starcoder": _digits_then_gpt2_split,
    "refact": _digits_then_gpt2_split,
    "llama-bpe": _regex_split(_LLAMA3_SPLIT),
    "llama3": _regex_split(_LLAMA3_SPLIT),
    "llama-v3": _regex_split(_LLAMA3_SPLIT),
    "dbrx": _regex_split(_LLAMA3_SPLIT),
    "smaug-bpe": _regex_split(_LLAMA3_SPLIT),
    "qwen2": _regex_split(_QWEN2_SPLIT),
}


# ---------------------------------------------------------------- TokenizerInfo


@dataclass(frozen=True)
class TokenizerInfo:
    """What a runtime needs besides tokenizer.json: when to stop, whether BOS is added, how to render a chat.

    `add_bos` records what the shipped tokenizer.json already does (its post-processor prepends BOS when true):
    runtimes must not add BOS a second time.
    """

    bos_id: int | None
    eos_ids: frozenset[int]
    add_bos: bool
    chat_template: str | None
    bos_token: str | None = None  # the strings templates see as `bos_token` / `eos_token`
    eos_token: str | None = None

    def to_json(self) -> dict:
        """A JSON-ready dict for the manifest's `tokenizer` entry (eos_ids sorted, so manifests diff cleanly)."""
        return {
            "bos_id": self.bos_id,
            "eos_ids": sorted(self.eos_ids),
            "add_bos": self.add_bos,
            "chat_template": self.chat_template,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "manifest.json tokenizer") -> TokenizerInfo:
        """Inverse of `to_json`; `where` names the file/entry in error messages."""
        if not isinstance(obj, dict):
            raise TokenizerError(f"{where}: expected an object, got {type(obj).__name__}")

        def opt(key: str, kind: type, kind_name: str):
            v = obj.get(key)
            if v is not None and (not isinstance(v, kind) or isinstance(v, bool) and kind is int):
                raise TokenizerError(f"{where}.{key}: expected {kind_name} or null, got {v!r}")
            return v

        eos = obj.get("eos_ids")
        if not isinstance(eos, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in eos):
            raise TokenizerError(f"{where}.eos_ids: expected a list of token ids, got {eos!r}")
        add_bos = obj.get("add_bos")
        if not isinstance(add_bos, bool):
            raise TokenizerError(f"{where}.add_bos: expected true or false, got {add_bos!r}")
        return cls(
            bos_id=opt("bos_id", int, "an integer"),
            eos_ids=frozenset(eos),
            add_bos=add_bos,
            chat_template=opt("chat_template", str, "a string"),
            bos_token=opt("bos_token", str, "a string"),
            eos_token=opt("eos_token", str, "a string"),
        )

    def to_hf_tokenizer_config(self) -> dict:
        """tokenizer_config.json for runtimes that want one beside tokenizer.json (`@huggingface/tokenizers`)."""
        return {
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
            "add_bos_token": self.add_bos,
            "chat_template": self.chat_template,
            # The JS library defaults this to true and then rewrites " ." as "." on decode; Python tokenizers does
            # not, so without it the browser's text would differ from the native runtime's.
            "clean_up_tokenization_spaces": False,
        }

    def render_chat(self, messages: list[dict], *, add_generation_prompt: bool = True) -> str:
        """`render_chat` with this model's template and special-token strings."""
        return render_chat(
            self.chat_template,
            messages,
            bos_token=self.bos_token or "",
            eos_token=self.eos_token or "",
            add_generation_prompt=add_generation_prompt,
        )


def _end_of_turn_ids(chat_template: str | None, token_to_id) -> set[int]:
    if not chat_template:
        return set()
    ids = set()
    for tok in _END_OF_TURN_TOKENS:
        i = token_to_id(tok)
        if tok in chat_template and i is not None:
            ids.add(i)
    return ids


# ---------------------------------------------------------------- GGUF


def _where(reader, path_for_errors) -> str:
    if path_for_errors is not None:
        return str(path_for_errors)
    return str(getattr(getattr(reader, "data", None), "filename", None) or "GGUF file")


def _gguf_field(reader, key: str, where: str, kind: str, *, required: bool):
    """Read one metadata field, checking its GGUF type. kind: 'str', 'int', 'bool', 'str[]', 'int[]'."""
    import gguf

    VT = gguf.GGUFValueType
    ints = {VT.UINT8, VT.INT8, VT.UINT16, VT.INT16, VT.UINT32, VT.INT32, VT.UINT64, VT.INT64}
    f = reader.fields.get(key)
    if f is None:
        if required:
            raise TokenizerError(f"{where}: GGUF metadata field {key!r} is missing")
        return None
    types = list(f.types)
    ok = {
        "str": types == [VT.STRING],
        "int": len(types) == 1 and types[0] in ints,
        "bool": types == [VT.BOOL],
        "str[]": types == [VT.ARRAY, VT.STRING],
        "int[]": len(types) == 2 and types[0] == VT.ARRAY and types[1] in ints,
    }[kind]
    if not ok:
        names = "/".join(t.name for t in types) or "empty"
        raise TokenizerError(f"{where}: GGUF metadata field {key!r} has type {names}, expected {kind}")
    try:
        return f.contents()
    except (UnicodeDecodeError, IndexError, ValueError) as e:  # corrupt string bytes or truncated array
        raise TokenizerError(f"{where}: GGUF metadata field {key!r} is unreadable ({e})") from None


def _token_id(reader, key: str, where: str, n_vocab: int) -> int | None:
    i = _gguf_field(reader, key, where, "int", required=False)
    if i is not None and not 0 <= i < n_vocab:
        raise TokenizerError(f"{where}: GGUF metadata field {key!r} = {i} is outside the vocabulary (0..{n_vocab - 1})")
    return i


def tokenizer_from_gguf(reader, path_for_errors=None) -> Tokenizer:
    """A byte-level BPE `tokenizers.Tokenizer` from a GGUF's `tokenizer.ggml.*` metadata.

    reader: a `gguf.GGUFReader`; path_for_errors names the file in messages (default: the reader's file).
    Raises TokenizerError (a ValueError) naming the file and field when something is missing or unsupported.
    """
    where = _where(reader, path_for_errors)
    model = _gguf_field(reader, "tokenizer.ggml.model", where, "str", required=True)
    if model != "gpt2":
        # "llama" (sentencepiece), "bert", "t5", "rwkv" vocabularies need other models; none of ours use them yet.
        raise TokenizerError(
            f"{where}: tokenizer.ggml.model = {model!r} is not supported (webshard builds 'gpt2' byte-level BPE only)"
        )
    pre = _gguf_field(reader, "tokenizer.ggml.pre", where, "str", required=False) or "default"
    if pre not in _PRE_TOKENIZERS:
        raise TokenizerError(
            f"{where}: tokenizer.ggml.pre = {pre!r} is not supported (supported: {', '.join(sorted(_PRE_TOKENIZERS))})"
        )
    tokens = _gguf_field(reader, "tokenizer.ggml.tokens", where, "str[]", required=True)
    if not tokens:
        raise TokenizerError(f"{where}: GGUF metadata field 'tokenizer.ggml.tokens' is empty")
    n = len(tokens)
    types = _gguf_field(reader, "tokenizer.ggml.token_type", where, "int[]", required=False)
    if types is not None and len(types) != n:
        raise TokenizerError(
            f"{where}: tokenizer.ggml.token_type has {len(types)} entries but tokenizer.ggml.tokens has {n}"
        )
    raw_merges = _gguf_field(reader, "tokenizer.ggml.merges", where, "str[]", required=True)
    merges = []
    for i, m in enumerate(raw_merges):
        parts = m.split(" ")
        # Byte-level tokens spell a space as "Ġ", so exactly one raw space separates the pair.
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise TokenizerError(f"{where}: tokenizer.ggml.merges[{i}] = {m!r} is not two tokens separated by a space")
        merges.append((parts[0], parts[1]))

    vocab: dict[str, int] = {}
    for i, t in enumerate(tokens):
        # A repeated spelling keeps its first id, as llama.cpp's text->id map does; later copies stay decodable
        # only through their first id (none exist in the vocabularies we ship).
        vocab.setdefault(t, i)
    for i, (a, b) in enumerate(merges):
        if a not in vocab or b not in vocab or a + b not in vocab:
            raise TokenizerError(
                f"{where}: tokenizer.ggml.merges[{i}] = {a + ' ' + b!r} "
                "names a token missing from tokenizer.ggml.tokens"
            )

    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False))
    steps = _PRE_TOKENIZERS[pre]()
    tok.pre_tokenizer = steps[0] if len(steps) == 1 else pre_tokenizers.Sequence(steps)
    tok.decoder = decoders.ByteLevel()

    if types is not None:
        typed = list(zip(tokens, types))
        tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, k in typed if k == _TOKEN_CONTROL])
        tok.add_tokens([AddedToken(t, special=False, normalized=False) for t, k in typed if k == _TOKEN_USER_DEFINED])

    add_bos = bool(_gguf_field(reader, "tokenizer.ggml.add_bos_token", where, "bool", required=False))
    add_eos = bool(_gguf_field(reader, "tokenizer.ggml.add_eos_token", where, "bool", required=False))
    bos_id = _token_id(reader, "tokenizer.ggml.bos_token_id", where, n)
    eos_id = _token_id(reader, "tokenizer.ggml.eos_token_id", where, n)
    for flag, kind, token_id in ((add_bos, "bos", bos_id), (add_eos, "eos", eos_id)):
        if flag and token_id is None:
            raise TokenizerError(
                f"{where}: tokenizer.ggml.add_{kind}_token is true but tokenizer.ggml.{kind}_token_id is missing"
            )
    _set_post_processor(tok, tokens[bos_id] if add_bos else None, bos_id, tokens[eos_id] if add_eos else None, eos_id)
    return tok


def _set_post_processor(tok: Tokenizer, bos: str | None, bos_id, eos: str | None, eos_id) -> None:
    """Prepend BOS / append EOS on encode(add_special_tokens=True) exactly when the model file asks for it."""
    if bos is None and eos is None:
        tok.post_processor = None
        return

    def part(seq: str, type_id: int) -> list[str]:
        return [*([f"{bos}:{type_id}"] if bos else []), f"${seq}:{type_id}", *([f"{eos}:{type_id}"] if eos else [])]

    special = ([(bos, bos_id)] if bos else []) + ([(eos, eos_id)] if eos and eos != bos else [])
    tok.post_processor = processors.TemplateProcessing(
        single=part("A", 0),
        pair=part("A", 0) + part("B", 1),
        special_tokens=special,
    )


def tokenizer_info_from_gguf(reader, path_for_errors=None) -> TokenizerInfo:
    """BOS/EOS ids, BOS policy and chat template from a GGUF's metadata."""
    where = _where(reader, path_for_errors)
    tokens = _gguf_field(reader, "tokenizer.ggml.tokens", where, "str[]", required=True)
    n = len(tokens)
    bos_id = _token_id(reader, "tokenizer.ggml.bos_token_id", where, n)
    eos_id = _token_id(reader, "tokenizer.ggml.eos_token_id", where, n)
    template = _gguf_field(reader, "tokenizer.chat_template", where, "str", required=False) or None
    index = {}
    for i, t in enumerate(tokens):
        index.setdefault(t, i)
    eos_ids = _end_of_turn_ids(template, index.get)
    for key in ("tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"):
        i = _token_id(reader, key, where, n)
        if i is not None:
            eos_ids.add(i)
    if eos_id is not None:
        eos_ids.add(eos_id)
    return TokenizerInfo(
        bos_id=bos_id,
        eos_ids=frozenset(eos_ids),
        add_bos=bool(_gguf_field(reader, "tokenizer.ggml.add_bos_token", where, "bool", required=False)),
        chat_template=template,
        bos_token=tokens[bos_id] if bos_id is not None else None,
        eos_token=tokens[eos_id] if eos_id is not None else None,
    )


# ---------------------------------------------------------------- HF directories


def _read_json_file(path: Path) -> dict | None:
    if not path.exists():
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TokenizerError(f"{path}: not readable JSON ({e})") from None
    if not isinstance(obj, dict):
        raise TokenizerError(f"{path}: expected a JSON object at the top level")
    return obj


def _token_string(value, path: Path, key: str) -> str | None:
    # tokenizer_config.json writes special tokens either as a string or as a serialized AddedToken.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    raise TokenizerError(f"{path}: field {key!r} should be a token string or {{\"content\": ...}}, got {value!r}")


def _id_list(value, path: Path, key: str) -> list[int]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise TokenizerError(f"{path}: field {key!r} should be a token id or a list of ids, got {value!r}")
    return values


def _hf_chat_template(d: Path, cfg: dict | None) -> str | None:
    # Newer transformers save the template beside the config as chat_template.jinja (or .json); older ones inline it.
    jinja = d / "chat_template.jinja"
    if jinja.exists():
        return jinja.read_text(encoding="utf-8")
    side = _read_json_file(d / "chat_template.json")
    if side is not None and isinstance(side.get("chat_template"), str):
        return side["chat_template"]
    value = (cfg or {}).get("chat_template")
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, list):  # [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
        named = {t.get("name"): t.get("template") for t in value if isinstance(t, dict)}
        if isinstance(named.get("default"), str):
            return named["default"]
    raise TokenizerError(f"{d / 'tokenizer_config.json'}: field 'chat_template' should be a string or a list of "
                         "{name, template} with a 'default' entry")


def tokenizer_from_hf_dir(d) -> tuple[Tokenizer, TokenizerInfo]:
    """The tokenizer of an HF model directory: tokenizer.json, plus tokenizer_config.json / config.json /
    generation_config.json for special tokens, the BOS policy and the chat template."""
    d = Path(d)
    tj = d / "tokenizer.json"
    if not tj.exists():
        raise TokenizerError(f"{d}: no tokenizer.json (webshard needs the 'fast' tokenizer file; "
                             "a slow-only tokenizer.model/vocab.txt is not supported)")
    try:
        tok = Tokenizer.from_file(str(tj))
    except Exception as e:  # tokenizers raises a bare Exception on malformed files
        raise TokenizerError(f"{tj}: not a valid tokenizers file ({e})") from None
    tc_path, cj_path, gc_path = d / "tokenizer_config.json", d / "config.json", d / "generation_config.json"
    tc = _read_json_file(tc_path) or {}
    cj = _read_json_file(cj_path) or {}
    gc = _read_json_file(gc_path) or {}

    def resolve(name: str) -> tuple[str | None, list[int]]:
        # tokenizer_config.json names the token; config.json / generation_config.json only give ids.
        s = _token_string(tc.get(name), tc_path, name)
        ids = []
        if s is not None:
            i = tok.token_to_id(s)
            if i is None:
                raise TokenizerError(f"{tc_path}: {name} {s!r} is not in {tj.name}")
            ids.append(i)
        for path, cfg in ((cj_path, cj), (gc_path, gc)):
            for i in _id_list(cfg.get(f"{name}_id"), path, f"{name}_id"):
                if tok.id_to_token(i) is None:
                    raise TokenizerError(f"{path}: {name}_id {i} is not in {tj.name}")
                if i not in ids:
                    ids.append(i)
        if s is None and ids:
            s = tok.id_to_token(ids[0])
        return s, ids

    bos_token, bos_ids = resolve("bos_token")
    eos_token, eos_ids = resolve("eos_token")
    bos_id = bos_ids[0] if bos_ids else None
    template = _hf_chat_template(d, tc)

    adds = _adds_bos(tok, bos_id)
    wanted = tc.get("add_bos_token")
    if wanted is not None and not isinstance(wanted, bool):
        raise TokenizerError(f"{tc_path}: field 'add_bos_token' should be true or false, got {wanted!r}")
    if wanted is not None and wanted != adds:
        # transformers rebuilds the post-processor from this flag for llama-style tokenizers; make tokenizer.json
        # agree so runtimes that only read tokenizer.json (the browser) encode the same ids.
        if wanted and bos_id is None:
            raise TokenizerError(f"{tc_path}: add_bos_token is true but no bos_token is defined")
        _set_post_processor(tok, bos_token if wanted else None, bos_id, None, None)
        adds = wanted
    info = TokenizerInfo(
        bos_id=bos_id,
        eos_ids=frozenset(eos_ids) | _end_of_turn_ids(template, tok.token_to_id),
        add_bos=adds,
        chat_template=template,
        bos_token=bos_token,
        eos_token=eos_token,
    )
    return tok, info


def _adds_bos(tok: Tokenizer, bos_id: int | None) -> bool:
    if bos_id is None:
        return False
    ids = tok.encode("a", add_special_tokens=True).ids
    return bool(ids) and ids[0] == bos_id


# ---------------------------------------------------------------- artifact files

TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"


def save_tokenizer(tok: Tokenizer, out_dir, info: TokenizerInfo | None = None) -> Path:
    """Write `tokenizer.json` (and, given `info`, `tokenizer_config.json`) into a directory; returns tokenizer.json."""
    path = Path(out_dir) / TOKENIZER_FILE
    path.write_text(tok.to_str(), encoding="utf-8")
    if info is not None:
        config = json.dumps(info.to_hf_tokenizer_config(), indent=1, ensure_ascii=False)
        (Path(out_dir) / TOKENIZER_CONFIG_FILE).write_text(config + "\n", encoding="utf-8")
    return path


def load_tokenizer(path) -> Tokenizer:
    """Read an artifact's `tokenizer.json` (a file, or the artifact directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / TOKENIZER_FILE
    if not path.exists():
        raise TokenizerError(f"{path}: missing (the artifact should ship its tokenizer as {TOKENIZER_FILE})")
    try:
        return Tokenizer.from_file(str(path))
    except Exception as e:  # tokenizers raises a bare Exception on malformed files
        raise TokenizerError(f"{path}: not a valid tokenizers file ({e})") from None
