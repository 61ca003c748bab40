"""Test doubles for the server tests: a byte-level fake model, a scripted backend, a miniature checkout.

The fakes stand in for compiler.runtime (tests of the HTTP layer and of NativeBackend's threading need no GPU);
a test that wants the real runtime builds `NativeBackend.load([...])` instead. A live uvicorn for these apps comes
from tests/static_site.py (`serve`), shared with the scene tests.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

from server.backend import Chunk, CompletionRequest, Usage

EOS = 256
REPLY = "The capital of France is Paris. Café ☕ 東京!"


@dataclass(frozen=True)
class FakeSampling:
    """Same fields as compiler.runtime.Sampling."""

    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int = 0


class FakeModel:
    """Token id = one UTF-8 byte (EOS = 256), so a multi-byte character spans tokens as in byte-level BPE.

    It answers `reply(prompt_text)` greedily whatever the sampling, and records what it was asked and on which
    thread, so tests can check parameter plumbing and that all GPU work ran on the one worker thread.
    """

    def __init__(self, model_id: str = "fake-tiny", *, reply: Callable[[str], str] = lambda prompt: REPLY,
                 max_context: int = 512, delay_s: float = 0.0, yield_eos: bool = True) -> None:
        self.model_id = model_id
        self.config = {"name": model_id}
        self.max_context = max_context
        self.eos_ids = {EOS}
        self.reply = reply
        self.delay_s = delay_s
        self.yield_eos = yield_eos  # the real runtime may or may not yield its EOS id; both must work
        self.calls: list[dict] = []  # one per generate(): thread, sampling, prompt length, max_tokens
        self.trace: list[str] = []  # prompt text per produced token: shows whether requests interleaved
        self.closed_early = 0  # generators closed before they finished (client gone, stop string)
        self.threads: set[str] = set()

    def encode(self, text: str) -> list[int]:
        self.threads.add(threading.current_thread().name)
        return list(text.encode("utf-8"))

    def decode(self, ids: list[int]) -> str:
        return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")

    def chat_prompt(self, messages: list[dict]) -> str:
        self.threads.add(threading.current_thread().name)
        return "".join(f"<{m['role']}>{m['content']}\n" for m in messages) + "<assistant>"

    def generate(self, prompt_ids: list[int], *, max_tokens: int, sampling: FakeSampling) -> Iterator[int]:
        if len(prompt_ids) > self.max_context:
            raise ValueError(f"prompt of {len(prompt_ids)} tokens exceeds max_context={self.max_context}")
        prompt = self.decode(prompt_ids)
        self.calls.append({"thread": threading.current_thread().name, "sampling": sampling,
                           "prompt_tokens": len(prompt_ids), "max_tokens": max_tokens})
        out = list(self.reply(prompt).encode("utf-8")) + ([EOS] if self.yield_eos else [])
        finished = False
        try:
            for token in out[:max_tokens]:
                if self.delay_s:
                    time.sleep(self.delay_s)
                self.trace.append(prompt)
                yield token
            finished = True
        finally:
            self.closed_early += not finished


class ScriptedBackend:
    """A Backend written directly against the protocol: plays fixed chunks, optionally failing midway."""

    def __init__(self, model_id: str = "scripted", texts: tuple[str, ...] = ("Hel", "lo"),
                 fail_after: int | None = None) -> None:
        self.model_id = model_id
        self.texts = texts
        self.fail_after = fail_after
        self.closed = False

    def model_ids(self) -> list[str]:
        return [self.model_id]

    async def complete(self, request: CompletionRequest) -> AsyncIterator[Chunk]:
        for i, text in enumerate(self.texts):
            if self.fail_after is not None and i >= self.fail_after:
                raise RuntimeError("GPU device lost")
            yield Chunk(text)
        yield Chunk("", finish_reason="stop", usage=Usage(3, len(self.texts)))

    def close(self) -> None:
        self.closed = True


def make_site(root: Path) -> Path:
    """A miniature checkout: demos, runtime_js, node_modules with package.json, one compiled model and scene."""
    files = {
        "package.json": json.dumps({"dependencies": {"wgpu-matrix": "3.4.2", "@huggingface/jinja": "0.5.11"}}),
        "demos/chat.html": "<!doctype html><title>chat</title>",
        "demos/app.js": "export const x = 1;\n",
        "runtime_js/runtime.mjs": "export function run() {}\n",
        "node_modules/wgpu-matrix/dist/wgpu-matrix.module.js": "export const mat4 = {};\n",
        "node_modules/@huggingface/jinja/dist/index.js": "export class Template {}\n",
        "node_modules/devtool/secret.js": "not a page dependency\n",
        "build/models/tiny/manifest.json": json.dumps({"format_version": 1, "shards": []}),
        "build/models/tiny/kernels/matmul.wgsl": "@compute @workgroup_size(64) fn main() {}\n",
        "build/models/tiny/tokenizer.bin": "\x00\x01",
        "build/models/tiny/.env": "SECRET=1\n",
        "build/scenes/cube/scene.json": "{}",
        "outside/secret.json": '{"secret": true}',
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "build/models/tiny/shard-00-3f2a.safetensors").write_bytes(bytes(range(256)) * 4)
    (root / "build/models/tiny/escape.json").symlink_to(root / "outside/secret.json")
    (root / "build/models/tiny/alias.json").symlink_to(root / "build/models/tiny/manifest.json")
    return root
