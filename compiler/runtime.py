"""Native runtime: loads an artifact and generates with wgpu-py, keeping everything but token ids on the GPU.

artifact (compiler.artifact) -> **Model** (pipelines + bind groups built once) -> CLI / server backend.

One decode step is one command buffer with one compute pass holding every dispatch of the plan; the sampling
kernel writes the next token id into the `tokens` buffer, where the next step's embedding reads it, so the CPU
only reads 4 bytes per token (to stream it and to stop at EOS).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import wgpu

from .artifact import load_shard, read_manifest
from .errors import ArtifactError, LimitError
from .executor import Executor, KernelProgram
from .gpu import Gpu, get_gpu, kernel_variant
from .kernels import PARAMS


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0   # 0 = greedy
    top_k: int = 0             # 0 = off
    top_p: float = 1.0         # 1 = off
    seed: int = 0

    def __post_init__(self):
        if not math.isfinite(self.temperature) or self.temperature < 0:
            raise ValueError(f"temperature must be a finite number >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0, got {self.top_k}")


@dataclass
class Timings:
    prefill_ms: float = 0.0
    prompt_tokens: int = 0
    prefilled_tokens: int = 0      # prompt tokens actually run (the rest were already in the KV cache)
    decode_s: float = 0.0
    decode_tokens: int = 0
    first_logits: np.ndarray | None = field(default=None, repr=False)

    @property
    def decode_tok_s(self) -> float:
        return self.decode_tokens / self.decode_s if self.decode_s > 0 else 0.0

    @property
    def prefill_tok_s(self) -> float:
        return self.prompt_tokens / (self.prefill_ms / 1000) if self.prefill_ms > 0 else 0.0


class Model:
    """A compiled model on this process's GPU device. Not thread-safe: one generation at a time."""

    def __init__(self, artifact: Path, manifest: dict, gpu: Gpu, variant: str):
        from .tokenizer import TokenizerInfo, load_tokenizer

        self.artifact = Path(artifact)
        self.manifest = manifest
        self.gpu = gpu
        self.variant = variant
        self.config = manifest["model"]["config"]
        self.model_id = manifest["model"]["id"]
        self.max_context = manifest["limits"]["max_context"]
        self.max_step_tokens = manifest["limits"]["max_tokens_per_step"]
        self.tokenizer = load_tokenizer(self.artifact / manifest["tokenizer"]["file"])
        self.tokenizer_info = TokenizerInfo.from_json(manifest["tokenizer"])
        self.timings = Timings()
        # Token ids whose keys/values sit in the KV cache at positions 0..len-1. A prompt that starts with them
        # (the next chat turn, a shared system prompt) only prefills what follows.
        self._cached: list[int] = []
        self._generation = 0   # which generate() call owns the cache bookkeeping
        self._build()

    @classmethod
    def load(cls, artifact: str | Path, variant: str | None = None, gpu: Gpu | None = None) -> "Model":
        manifest = read_manifest(Path(artifact))
        gpu = gpu or get_gpu()
        return cls(Path(artifact), manifest, gpu, kernel_variant(gpu, variant))

    # ------------------------------------------------------------ set-up (once)
    def _build(self) -> None:
        m = self.manifest
        if m["params"]["fields"] != [list(f) for f in PARAMS]:
            # Same format_version but another uniform layout: the kernels would read garbage sampling settings.
            raise ArtifactError(f"{self.artifact / 'manifest.json'}: params layout {m['params']['fields']} differs "
                                f"from this runtime's; recompile the model")
        dev = self.gpu.device
        self.ex = Executor(dev)
        for name, k in m["kernels"].items():
            v = k["variants"][self.variant]
            src = (self.artifact / v["file"]).read_text()
            self.ex.add(KernelProgram(name, src, k["bindings"], v["dispatch"]))
        self.buffers = {n: self.ex.storage(size=b["bytes"], label=n) for n, b in m["buffers"].items()}
        for shard in m["shards"]:
            for name, arr in load_shard(self.artifact, shard).items():
                self.buffers[name] = self.ex.storage(arr, label=name)
        self.units = []
        for unit in m["plan"]["units"]:
            steps = []
            for d in unit["dispatches"]:
                bufs = {b: self.buffers[v] for b, v in d["bind"].items()}
                steps.append((d["kernel"], self.ex.bind_group(d["kernel"], bufs)))
            self.units.append((unit["name"], steps))
        # Two readback slots: decode submits step t+1 before it reads step t's token (see generate).
        self.readbacks = [dev.create_buffer(size=4, usage=wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST)
                          for _ in range(2)]

    # ------------------------------------------------------------ text
    @property
    def eos_ids(self) -> set[int]:
        return set(self.tokenizer_info.eos_ids)

    def encode(self, text: str) -> list[int]:
        # tokenizer.json's post-processor adds BOS when the model wants it (TokenizerInfo.add_bos).
        return self.tokenizer.encode(text).ids

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def chat_prompt(self, messages: list[dict]) -> str:
        return self.tokenizer_info.render_chat(messages)

    # ------------------------------------------------------------ execution
    def _submit(self, n_tokens: int, pos0: int, units: list, sampling: Sampling, step: int, slot: int | None):
        """Encode the units into one compute pass and submit; with a slot, also copy the sampled id there."""
        # The kernel's RNG takes 32 bits of seed; a top_k at or past the vocabulary means "off".
        self.ex.write_params(n_tokens=n_tokens, pos0=pos0, seed=sampling.seed & 0xFFFFFFFF, step=step,
                             temperature=sampling.temperature, top_k=min(sampling.top_k, self.config["vocab_size"]),
                             top_p=sampling.top_p)
        enc = self.gpu.device.create_command_encoder()
        cp = enc.begin_compute_pass()
        for _, steps in units:
            for kernel, bg in steps:
                self.ex.record(cp, kernel, bg, n_tokens)
        cp.end()
        if slot is not None:
            enc.copy_buffer_to_buffer(self.buffers["tokens"], 0, self.readbacks[slot], 0, 4)
        self.gpu.device.queue.submit([enc.finish()])

    def _collect(self, slot: int) -> int:
        """Wait for the submission that filled `slot` (not for later ones) and return its token id."""
        rb = self.readbacks[slot]
        rb.map_sync(wgpu.MapMode.READ)
        tok = int(np.frombuffer(rb.read_mapped(), dtype=np.uint32)[0])
        rb.unmap()
        return tok

    def _check_ids(self, ids: list[int]) -> None:
        vocab = self.config["vocab_size"]
        bad = [i for i in ids if not 0 <= int(i) < vocab]
        if bad:
            raise ValueError(f"token id {bad[0]} is outside the vocabulary (0..{vocab - 1})")

    def prefill(self, ids: list[int], sampling: Sampling, keep_logits: bool = False) -> int:
        """Run the prompt in chunks of max_tokens_per_step, from the first token not already in the KV cache;
        return the first sampled token."""
        if not ids:
            raise ValueError("the prompt is empty")
        if len(ids) >= self.max_context:
            raise LimitError(f"prompt of {len(ids)} tokens does not fit the context of {self.max_context} tokens "
                             f"(max_context in {self.artifact / 'manifest.json'})")
        self._check_ids(ids)
        # The last prompt token always runs: its logits give the first new token.
        start = min(_common_prefix(self._cached, ids), len(ids) - 1)
        self._cached = []   # until this prefill has been submitted, the cache holds nothing we can vouch for
        body = [u for u in self.units if u[0] not in ("head", "sample")]
        tail = [u for u in self.units if u[0] in ("head", "sample")]
        C = self.max_step_tokens
        for c0 in range(start, len(ids), C):
            chunk = ids[c0:c0 + C]
            self.gpu.device.queue.write_buffer(self.buffers["tokens"], 0, np.asarray(chunk, np.uint32).tobytes())
            last = c0 + C >= len(ids)
            self._submit(len(chunk), c0, body + (tail if last else []), sampling, 0, slot=0 if last else None)
        self._cached = list(ids)
        self.timings.prefilled_tokens = len(ids) - start
        tok = self._collect(0)
        if keep_logits:
            self.timings.first_logits = self.ex.read(self.buffers["logits"])
        return tok

    def generate(self, prompt_ids: list[int], *, max_tokens: int = 64, sampling: Sampling = Sampling(),
                 keep_logits: bool = False, stop_at_eos: bool = True) -> Iterator[int]:
        """Stream generated token ids; stops at EOS, at max_tokens, or at the end of the context."""
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
        t0 = time.perf_counter()
        self._generation += 1
        me = self._generation
        self.timings = Timings()
        tok = self.prefill(list(prompt_ids), sampling, keep_logits)
        self.timings.prefill_ms = (time.perf_counter() - t0) * 1000
        self.timings.prompt_tokens = len(prompt_ids)
        pos = len(prompt_ids)
        eos = self.eos_ids if stop_at_eos else set()
        t1 = time.perf_counter()
        # One step of lookahead: step i+1 reads its input token from the GPU, so it can be submitted before the
        # CPU has read token i. The CPU encodes while the GPU computes; at EOS one extra step is computed.
        last = min(max_tokens, self.max_context - pos)   # tokens this call can yield
        out: list[int] = [tok]
        fed = 0   # decode steps submitted: each wrote the K/V of out[fed - 1] at position pos + fed - 1
        try:
            if last > 1:
                self._submit(1, pos, self.units, sampling, 1, slot=1)
                fed = 1
            for i in range(last):
                yield tok
                if tok in eos or i + 1 == last:
                    break
                if i + 2 < last:
                    self._submit(1, pos + 1, self.units, sampling, i + 2, slot=i % 2)
                    fed += 1
                tok = self._collect((i + 1) % 2)
                out.append(tok)
                pos += 1
                self.timings.decode_tokens += 1
                self.timings.decode_s = time.perf_counter() - t1
        finally:
            # Whatever ended the loop (EOS, max_tokens, a consumer that stopped early), the cache now holds the
            # prompt and every token a submitted step consumed; all of those were read back before we got here.
            # An abandoned generator is finalized late, after newer calls: it must not overwrite their record.
            if self._generation == me:
                self._cached = list(prompt_ids) + out[:fed]

    def warm_up(self) -> None:
        """Run every pipeline once: some drivers compile lazily at first dispatch, which timings should not see."""
        list(self.generate([0], max_tokens=2, stop_at_eos=False))
        self._cached = []

    def logits_for(self, ids: list[int]) -> np.ndarray:
        """Last-position logits of a prompt (tests, cross-checks)."""
        self._generation += 1
        self.prefill(ids, Sampling())
        return self.ex.read(self.buffers["logits"])

    def summary(self) -> dict:
        m = self.manifest
        return {
            "model": self.model_id,
            "adapter": self.gpu.name,
            "variant": self.variant,
            "layers": self.config["n_layers"],
            "max_context": self.max_context,
            "dispatches_per_decode_token": m["stats"]["dispatches_per_decode_token"],
            "weight_bytes": m["stats"]["weight_bytes"],
            "shards": len(m["shards"]),
        }


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def top_k_pairs(logits: np.ndarray, k: int = 10) -> list[list]:
    idx = np.argsort(-logits, kind="stable")[:k]
    return [[int(i), float(logits[i])] for i in idx]
