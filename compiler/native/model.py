"""A compiled model ready to generate on this process's GPU: stages + the generation loop + the tokenizer.

artifact -> stage.LocalChain (one device, one compute pass per step) or stage.RelayChain (stages relayed through
host memory in the wire format, `--split`) -> engine.Engine -> **Model** -> CLI / tests. The server drives an
Engine of its own over the same chain, to batch concurrent requests.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..artifact import read_manifest
from .batch import Sampling
from .engine import Engine, Sequence
from .gpu import Gpu, get_gpu
from .stage import LocalChain, RelayChain
from .text import TextModel

__all__ = ["Model", "Sampling", "Timings", "top_k_pairs"]


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


class Model(TextModel):
    """A compiled model on this process's GPU device. Not thread-safe: one thread drives it."""

    def __init__(self, artifact: Path, manifest: dict, chain, gpu: Gpu):
        super().__init__(artifact, manifest)
        self.chain = chain
        self.gpu = gpu
        self.variant = chain.stages[0].ws.variant
        self.engine = Engine(chain, eos_ids=self.tokenizer_info.eos_ids, burst=getattr(chain, "burst_hint", 1))
        self.timings = Timings()

    @classmethod
    def load(cls, artifact: str | Path, variant: str | None = None, gpu: Gpu | None = None, *,
             slots: int | None = None, split: list[int] | None = None, relay: bool | None = None) -> "Model":
        """Load `artifact`. `split` cuts the model before those layers into stages; they are relayed through host
        memory in the wire format unless relay=False (then they share the device and one compute pass)."""
        manifest = read_manifest(Path(artifact))
        gpu = gpu or get_gpu()
        if split and relay is not False:
            chain = RelayChain.load(artifact, split, slots=slots, variant=variant, gpu=gpu)
        else:
            chain = LocalChain.load(artifact, slots=slots, variant=variant, gpu=gpu, split=split)
        return cls(Path(artifact), manifest, chain, gpu)

    @property
    def slots(self) -> int:
        return self.chain.slots

    # ------------------------------------------------------------ generation
    def generate(self, prompt_ids: list[int], *, max_tokens: int = 64, sampling: Sampling = Sampling(),
                 keep_logits: bool = False, stop_at_eos: bool = True,
                 on_prefill: Callable[[int, int], None] | None = None) -> Iterator[int]:
        """Stream generated token ids; stops at EOS, at max_tokens, or at the end of the context.

        Uses the engine alone (one sequence); a consumer that stops early cancels it, and the steps already in
        flight are read before this returns, so the slot's KV cache can be reused by the next prompt.
        `on_prefill(done, total)` is called after each step of the prompt (a progress bar).
        """
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
        t0 = time.perf_counter()
        seq = self.engine.add(Sequence(list(prompt_ids), max_tokens, sampling, stop_at_eos, keep_logits))
        self.timings = t = Timings(prompt_tokens=len(seq.prompt))
        delivered = 0
        try:
            while delivered < len(seq.outputs) or seq.finish is None:
                if delivered == len(seq.outputs):
                    self.engine.step()
                    if on_prefill is not None and not seq.outputs:
                        on_prefill(seq.prefilled, len(seq.prompt) - seq.reused)
                    continue
                tok = seq.outputs[delivered]
                delivered += 1
                if delivered == 1:
                    t.prefill_ms = (seq.t_first - t0) * 1000
                    t.prefilled_tokens = seq.prefilled
                    t.first_logits = seq.first_logits
                else:
                    t.decode_tokens = delivered - 1
                    t.decode_s = seq.t_last - seq.t_first
                yield tok
        finally:
            if seq.finish is None:
                self.engine.cancel(seq)
            self.engine.drain()
            t.prefilled_tokens = seq.prefilled

    def warm_up(self) -> None:
        """Run every pipeline once: some drivers compile lazily at first dispatch, which timings should not see."""
        list(self.generate([0], max_tokens=2, stop_at_eos=False))
        self.engine.slots.forget()

    def logits_for(self, ids: list[int]) -> np.ndarray:
        """Last-position logits of a prompt (tests, cross-checks)."""
        list(self.generate(ids, max_tokens=1, keep_logits=True, stop_at_eos=False))
        return self.timings.first_logits

    def summary(self) -> dict:
        m = self.manifest
        return {
            "model": self.model_id,
            "adapter": self.gpu.name,
            "variant": self.variant,
            "layers": self.config["n_layers"],
            "max_context": self.max_context,
            "slots": self.slots,
            "dispatches_per_decode_token": m["stats"]["dispatches_per_decode_token"],
            "weight_bytes": m["stats"]["weight_bytes"],
            "shards": len(m["shards"]),
        }


def top_k_pairs(logits: np.ndarray, k: int = 10) -> list[list]:
    idx = np.argsort(-logits, kind="stable")[:k]
    return [[int(i), float(logits[i])] for i in idx]
