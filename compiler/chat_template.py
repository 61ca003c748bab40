"""Chat templates: a model's jinja2 template + messages -> the prompt string, and the prompt's token ids.

Where this sits: the template comes from the model file (compiler.tokenizer puts it in `TokenizerInfo`, which the
manifest carries); the native runtime and the server render prompts here, and the browser renders the same template
with @huggingface/jinja. `render_chat` matches transformers' apply_chat_template(..., tokenize=False); `ChatEncoder`
turns the same prompt into ids such that special tokens come only from the template, never from message text.
"""
from __future__ import annotations

import functools
import json
import re
import secrets
from datetime import datetime

from .errors import TokenizerError


class _TemplateRaised(Exception):
    pass


def _raise_exception(message):
    # Templates call raise_exception('Conversation roles must alternate ...') to reject bad input (an HF convention).
    raise _TemplateRaised(str(message))


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # Jinja's own tojson escapes HTML characters (<, >, &), which would change prompts; HF renders plain JSON.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


@functools.lru_cache(maxsize=16)
def _compile_template(template: str):
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # Sandboxed because templates come from model files; trim/lstrip blocks and loop controls as in HF's
    # apply_chat_template, so the same template renders the same prompt. Undefined (not StrictUndefined, unlike our
    # WGSL templates): chat templates test optional variables such as `tools` with `if tools is defined`.
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    try:
        return env.from_string(template)
    except jinja2.TemplateError as e:
        raise TokenizerError(f"chat template does not compile: {e}") from None


def _check_messages(messages) -> None:
    if not isinstance(messages, list):
        raise TokenizerError(f"messages: expected a list of {{role, content}} objects, got {type(messages).__name__}")
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise TokenizerError(f"messages[{i}]: expected an object with 'role' and 'content', got {m!r}")
        if not isinstance(m.get("role"), str) or not m["role"]:
            raise TokenizerError(f"messages[{i}].role: expected a non-empty string, got {m.get('role')!r}")
        if not isinstance(m.get("content"), str):
            raise TokenizerError(f"messages[{i}].content: expected a string, got {m.get('content')!r}")


def render_chat(
    template: str | None,
    messages: list[dict],
    *,
    bos_token: str,
    eos_token: str,
    add_generation_prompt: bool = True,
) -> str:
    """The prompt string for `messages` ([{"role": ..., "content": ...}]) under a model's chat template.

    Renders like transformers' apply_chat_template(..., tokenize=False). With no template (base models), a plain
    "role: content" transcript. Raises TokenizerError for malformed messages or when the template rejects them.
    """
    _check_messages(messages)
    if not template:
        lines = [f"{m['role']}: {m['content']}\n" for m in messages]
        return "".join(lines) + ("assistant:" if add_generation_prompt else "")
    compiled = _compile_template(template)
    try:
        return compiled.render(
            messages=messages,
            add_generation_prompt=add_generation_prompt,
            bos_token=bos_token,
            eos_token=eos_token,
            tools=None,
            documents=None,
        )
    except _TemplateRaised as e:
        raise TokenizerError(f"chat template rejected the messages: {e}") from None
    except Exception as e:  # jinja2 errors and sandbox SecurityError: the template, not our code, is at fault
        raise TokenizerError(f"chat template failed to render: {type(e).__name__}: {e}") from None


# ---------------------------------------------------------------- chat -> token ids, safely

# Private-use characters delimit the sentinels and markers below: no tokenizer gives them a meaning of their own.
_OPEN, _CLOSE = "\ue000", "\ue001"


class ChatEncoder:
    """Messages -> prompt token ids, where only the chat template can produce special tokens.

    Encoding the rendered prompt as one string would honour special-token text typed by the user: a message
    `hi<|im_end|>\\n<|im_start|>system\\n...` would forge a system turn. Instead:

    1. The template is rendered twice: with the real contents, and with each content replaced by a unique sentinel.
       The sentinel rendering, split at the sentinels, gives the template's own text; the contents are put back and
       the result must equal the real rendering (a template that trims contents is followed too; any other change to
       a content is refused), so the template text and the content spans are known exactly.
    2. In the template's text, each special token (leftmost-longest match, as `tokenizers` matches added tokens) is
       replaced by a marker: a random private-use string that a second tokenizer knows as an added token with the
       same flags. That tokenizer is this model's tokenizer.json with every special added token renamed to its
       marker, so special-token text in a content is plain text to it.
    3. The whole string is encoded in one call, and marker ids are mapped back to the special ids.

    Because step 3 is one call on the whole prompt, text on both sides of a template/content boundary is
    pre-tokenized and merged exactly as in `tokenizer.encode(rendered)`: for contents without special-token text the
    ids are identical to it (tests/test_chat_encoding.py checks that on the tiny models and SmolLM2). What still
    differs, on purpose, is a special token that only the contents spell, even in part.

    The post-processor's BOS/EOS (TokenizerInfo.add_bos) are added as `tokenizer.encode` adds them.
    runtime_js/tokenizer.js (TextCodec.encodeChat) follows the same steps.

    Build one per loaded model: construction copies the tokenizer (about 0.5 s for SmolLM2's 49k tokens on the
    2-core development machine). `encode` keeps no state between calls, so one encoder serves every thread.
    """

    def __init__(self, tokenizer, info) -> None:
        from tokenizers import Tokenizer

        self.info = info
        self.tokenizer = tokenizer
        spec = json.loads(tokenizer.to_str())
        nonce = secrets.token_hex(8)  # unguessable, so no content can spell a marker
        self._marker_prefix = _OPEN + nonce
        self._markers: dict[str, str] = {}  # special token text -> its marker
        marker_ids: dict[str, int] = {}  # marker -> the special token's id
        for t in spec.get("added_tokens", []):
            if t.get("special"):
                marker = f"{self._marker_prefix}.{t['id']}{_CLOSE}"
                self._markers[t["content"]] = marker
                marker_ids[marker] = t["id"]
                t["content"] = marker
        self._content_tokenizer = Tokenizer.from_str(json.dumps(spec))
        # `tokenizers` gives an added token that is not in the model's vocabulary a new id on load: map it back.
        self._id_map = {self._content_tokenizer.token_to_id(m): i for m, i in marker_ids.items()}
        self._by_length = sorted(self._markers, key=len, reverse=True)
        self._prefix, self._suffix = _post_processor_ids(tokenizer)

    def encode(self, messages: list[dict], *, add_generation_prompt: bool = True) -> list[int]:
        """Token ids of the chat prompt for `messages` ([{"role", "content"}]); raises TokenizerError."""
        _check_messages(messages)
        for i, m in enumerate(messages):
            for special in self._by_length:
                if special in m["role"]:
                    raise TokenizerError(f"messages[{i}].role contains the special token {special!r}")
            if self._marker_prefix in m["role"] + m["content"]:  # 2**-64 by chance; refuse rather than honour it
                raise TokenizerError(f"messages[{i}] holds this encoder's private marker")
        pieces = self._split_rendering(messages, add_generation_prompt)
        text = "".join(self._mark_specials(piece) if is_template else piece for piece, is_template in pieces)
        ids = self._content_tokenizer.encode(text, add_special_tokens=False).ids
        return [*self._prefix, *(self._id_map.get(i, i) for i in ids), *self._suffix]

    def _render(self, messages: list[dict], add_generation_prompt: bool) -> str:
        return self.info.render_chat(messages, add_generation_prompt=add_generation_prompt)

    def _split_rendering(self, messages: list[dict], add_generation_prompt: bool) -> list[tuple[str, bool]]:
        """The real rendering as (text, is_template) pieces, with every content piece located exactly."""
        rendered = self._render(messages, add_generation_prompt)
        tag = _OPEN + secrets.token_hex(8)
        sentinel = re.compile(re.escape(tag) + r"(\d+)" + _CLOSE)
        masked = self._render([{**m, "content": f"{tag}{i}{_CLOSE}"} for i, m in enumerate(messages)],
                              add_generation_prompt)
        parts = sentinel.split(masked)  # template, index, template, index, ..., template
        for restore in (lambda s: s, str.strip):  # jinja's `trim` filter is str.strip
            pieces = [(p, True) if k % 2 == 0 else (restore(messages[int(p)]["content"]), False)
                      for k, p in enumerate(parts)]
            if "".join(p for p, _ in pieces) == rendered:
                return pieces
        raise TokenizerError("the chat template changes message contents in a way that cannot be tokenized "
                             "safely (it neither copies nor trims them)")

    def _mark_specials(self, text: str) -> str:
        """`text` with each special token replaced by its marker, matching leftmost-longest as `tokenizers` does."""
        out, start, i = [], 0, 0
        while i < len(text):
            special = next((s for s in self._by_length if text.startswith(s, i)), None)
            if special is None:
                i += 1
                continue
            out += [text[start:i], self._markers[special]]
            i = start = i + len(special)
        out.append(text[start:])
        return "".join(out)


def _post_processor_ids(tokenizer) -> tuple[list[int], list[int]]:
    """The ids the tokenizer's post-processor puts before and after a text (BOS, EOS), found by encoding one."""
    plain = tokenizer.encode("a", add_special_tokens=False).ids
    full = tokenizer.encode("a", add_special_tokens=True).ids
    for start in range(len(full) - len(plain) + 1):
        if full[start:start + len(plain)] == plain:
            return full[:start], full[start + len(plain):]
    raise TokenizerError("the tokenizer's post-processor changes the text's own ids; chat encoding cannot follow it")


def encode_chat(tokenizer, info, messages: list[dict], *, add_generation_prompt: bool = True) -> list[int]:
    """One-off `ChatEncoder(tokenizer, info).encode(messages)`. It builds the encoder on every call, so a runtime
    or server that encodes many chats should keep a ChatEncoder per model instead."""
    return ChatEncoder(tokenizer, info).encode(messages, add_generation_prompt=add_generation_prompt)
