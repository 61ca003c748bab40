"""Chat templates: a model's jinja2 template + messages -> the prompt string the tokenizer then encodes.

Where this sits: the template comes from the model file (compiler.tokenizer puts it in `TokenizerInfo`, which the
manifest carries); the native runtime and the server render prompts here, and the browser renders the same template
with @huggingface/jinja. The output matches transformers' apply_chat_template(..., tokenize=False).
"""
from __future__ import annotations

import functools
import json
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
