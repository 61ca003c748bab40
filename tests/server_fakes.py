"""Test doubles for the server tests: a byte-level fake model, a scripted backend, a miniature checkout.

The fakes stand in for compiler.native (tests of the HTTP layer and of NativeBackend's batching need no GPU);
a test that wants the real runtime builds `NativeBackend.load([...])` instead. A live uvicorn for these apps comes
from tests/static_site.py (`serve`), shared with the scene tests.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import AsyncIterator, Callable

from compiler.native.batch import Step
from server.backend import Chunk, CompletionRequest, Usage

EOS = 256
REPLY = "The capital of France is Paris. Café ☕ 東京!"


class FakeChain:
    """A Runner (compiler/native/engine.py) that needs no GPU: byte-level, it answers each sequence's prompt with
    `reply(prompt_text)` then EOS, whatever the sampling. Like a real chain it keeps a per-slot token history (its
    "KV cache") from the rows it is given, so it sees prompts through slots, chunks and prefix reuse as the GPU
    would, and honours `Row.src` (the previous step's samples)."""

    chainable = True

    def __init__(self, model: "FakeModel", slots: int, max_rows: int = 16) -> None:
        self.model = model
        self.slots, self.max_rows, self.max_outputs = slots, max_rows, min(slots, max_rows)
        self.context = model.max_context
        self.vocab = EOS + 1
        self.history = [[0] * self.context for _ in range(slots)]
        self.prompt_len = [0] * slots
        self.last_sampled: list[int] = []
        self.steps: list[Step] = []

    def submit(self, step: Step, keep_logits=()):
        m = self.model
        m.threads.add(threading.current_thread().name)
        if m.delay_s:
            time.sleep(m.delay_s)
        if m.fail_at is not None and len(self.steps) >= m.fail_at:
            raise RuntimeError("GPU device lost")
        self.steps.append(step)
        for r in step.rows:
            self.history[r.slot][r.pos] = r.token if r.src is None else self.last_sampled[r.src]
        out = []
        for o in step.outputs:
            row = step.rows[o.row]
            if o.step == 0:   # the prompt's last row: remember where the prompt ends
                self.prompt_len[row.slot] = row.pos + 1
                prompt = m.decode(self.history[row.slot][:row.pos + 1])
                m.calls.append({"thread": threading.current_thread().name, "sampling": o.sampling,
                                "prompt_tokens": row.pos + 1})
            prompt = m.decode(self.history[row.slot][:self.prompt_len[row.slot]])
            reply = list(m.reply(prompt).encode("utf-8")) + [EOS]
            out.append(reply[o.step] if o.step < len(reply) else EOS)
            m.trace.append(prompt)
        self.last_sampled = out
        return out

    def collect(self, handle):
        return handle, None


class FakeModel:
    """Token id = one UTF-8 byte (EOS = 256), so a multi-byte character spans tokens as in byte-level BPE.

    Its chain answers `reply(prompt_text)` greedily; it records what it was asked and on which thread, so tests can
    check parameter plumbing, batching (chain.steps) and that all GPU work ran on the one GPU thread.
    """

    def __init__(self, model_id: str = "fake-tiny", *, reply: Callable[[str], str] = lambda prompt: REPLY,
                 max_context: int = 512, delay_s: float = 0.0, slots: int = 4, max_rows: int = 16,
                 fail_at: int | None = None) -> None:
        self.model_id = model_id
        self.config = {"name": model_id}
        self.max_context = max_context
        self.eos_ids = {EOS}
        self.reply = reply
        self.delay_s = delay_s   # per step
        self.fail_at = fail_at   # the step index at which the chain raises (a lost device)
        self.calls: list[dict] = []   # one per prompt: thread, sampling, prompt length
        self.trace: list[str] = []    # prompt text per produced token: shows which requests were generating
        self.threads: set[str] = set()
        self.chain = FakeChain(self, slots, max_rows)

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, ids: list[int]) -> str:
        return bytes(i for i in ids if i < 256).decode("utf-8", errors="replace")

    def chat_prompt(self, messages: list[dict]) -> str:
        return "".join(f"<{m['role']}>{m['content']}\n" for m in messages) + "<assistant>"

    def encode_chat(self, messages: list[dict]) -> list[int]:
        return self.encode(self.chat_prompt(messages))


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


class FakeEncoder:
    """An embedding model for the HTTP layer's tests (server/embeddings.py ServedEncoder), no GPU: byte-level ids
    ([CLS]=1, bytes + 3, [SEP]=2) cut to max_tokens as the real Encoder cuts them, and a deterministic unit vector per
    id list. It records the batches it was handed and the threads that ran them; `delay_s` makes batches slow, so
    concurrent requests pile up behind one."""

    def __init__(self, model_id: str = "fake-embed", dim: int = 8, max_tokens: int = 16, delay_s: float = 0.0):
        self.model_id, self.dim, self.max_tokens, self.delay_s = model_id, dim, max_tokens, delay_s
        self.batches: list[int] = []
        self.threads: set[str] = set()

    def encode(self, texts: list[str]):
        from compiler.native.encoder import Encoded, truncate

        out = []
        for t in texts:
            ids = [1] + [b + 3 for b in t.encode("utf-8")] + [2]
            out.append(Encoded(truncate(ids, self.max_tokens), len(ids)))
        return out

    def vector(self, ids: list[int]):
        import numpy as np

        v = np.random.default_rng(sum(i * 31 ** k for k, i in enumerate(ids)) % 2**32).standard_normal(self.dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_ids(self, sentences: list[list[int]]):
        import numpy as np

        self.threads.add(threading.current_thread().name)
        self.batches.append(len(sentences))
        if self.delay_s:
            time.sleep(self.delay_s)
        return np.stack([self.vector(s) for s in sentences]) if sentences else np.zeros((0, self.dim), np.float32)
