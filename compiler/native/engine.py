"""The generation loop, written once: sequences in, token ids out, over any chain of stages (a "runner").

Model.generate, the server's continuous batching and the swarm coordinator all drive this Engine; only the runner
differs (stage.LocalChain on one device, stage.RelayChain through host memory, a swarm of workers). Each call of
`step()` plans one step of rows, submits it, and collects the oldest step in flight:

  * chunked prefill: a prompt runs in chunks of at most max_rows rows, smaller while other sequences decode, so a
    long prompt does not stall them (vLLM's chunked prefill);
  * batched decode: every decoding sequence adds one row per step, each at its own position in its own slot;
  * lookahead: on a runner that can chain steps on the GPU, a decoding row takes its token straight from the
    previous step's sampled ids (`Row.src`), so step t+1 is submitted before step t is read back;
  * KV-prefix reuse per slot: a new sequence takes the free slot whose cached tokens share the longest prefix with
    its prompt and prefills only the rest (llama.cpp's slots do the same);
  * stop at EOS, at max_tokens, or at the end of the context; a cancelled sequence leaves at the next step.

Greedy outputs do not depend on what else is batched: every kernel computes each row on its own, so a sequence's
arithmetic is the same alone or beside others. The same holds for how a history is fed: prefilling prompt + outputs
gives the KV cache and the next output that decoding them one by one gave. That is how a sequence survives losing
its stages (a swarm worker leaving, layers moving): the runner raises `Interrupted`, and every sequence is fed
again from its history once the runner is ready, continuing with exactly the tokens an undisturbed run gives.
No wgpu here; runtime_js/engine.js is the JS twin (without replay, which only the swarm coordinator needs).
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..errors import LimitError
from .batch import Output, Row, Sampling, Step


class Interrupted(Exception):
    """Raised by a runner's submit/collect when it lost the state of its slots (a stage went away): the steps in
    flight are void, and the engine feeds every sequence again from its history once `runner.ready` is true."""


class Runner(Protocol):
    """A chain of stages covering the whole model, embed to sample. It may have a `ready` attribute (default
    true): while it is false the engine plans nothing."""

    max_rows: int       # rows per step
    max_outputs: int    # sampled outputs per step
    slots: int
    context: int        # KV-cache rows per slot
    vocab: int
    chainable: bool     # rows may name the previous step's outputs (Row.src)

    def submit(self, step: Step, keep_logits: list[int] = ()) -> Any: ...

    def collect(self, handle: Any) -> tuple[list[int], np.ndarray | None]: ...


@dataclass
class Sequence:
    """One generation request. The engine fills in the fields below the line."""

    prompt: list[int]
    max_tokens: int = 64
    sampling: Sampling = Sampling()
    stop_at_eos: bool = True
    keep_logits: bool = False    # keep the logits of the first output (tests, `generate --json`)
    # ---
    outputs: list[int] = field(default_factory=list)   # sampled ids delivered so far (an EOS id included)
    finish: str | None = None    # "eos" | "length" | "context" | "cancelled" | "error"
    slot: int | None = None
    reused: int = 0              # prompt tokens whose KV the slot already held
    first_logits: np.ndarray | None = field(default=None, repr=False)
    t_added: float = 0.0
    t_first: float = 0.0         # first output delivered
    t_last: float = 0.0          # last output delivered
    cancelled: bool = False
    # internal bookkeeping
    feed: list[int] = field(default_factory=list)   # tokens to prefill: the prompt, or prompt + outputs on replay
    resume: int = 0              # the output index that the last fed row produces (0, or len(outputs) on replay)
    replays: int = 0             # times the history was fed again
    next_prompt: int = 0         # next index of `feed` to submit
    requested: int = 0           # outputs requested from submitted steps
    fed: int = 0                 # outputs consumed as input by submitted decode rows
    inflight: int = 0            # steps in flight with rows of this sequence
    pending: dict = field(default_factory=dict)   # output index -> step id that will produce it

    @property
    def done(self) -> bool:
        """Finished and nothing of it in flight: its slot is free again."""
        return self.finish is not None and self.inflight == 0

    @property
    def prefilled(self) -> int:
        return self.next_prompt - self.reused

    @property
    def feeding(self) -> bool:
        return self.next_prompt < len(self.feed)

    def history(self) -> list[int]:
        """The tokens whose keys and values the slot holds: positions 0..n-1 submitted so far."""
        n = self.next_prompt if self.feeding else len(self.prompt) + self.fed
        return (self.prompt + self.outputs)[:n]


class SlotTable:
    """Which slots are free and which token ids each slot's KV cache holds (positions 0..n-1)."""

    def __init__(self, slots: int):
        self.cached: list[list[int]] = [[] for _ in range(slots)]
        self.free: list[int] = list(range(slots))
        self.used_at = [0.0] * slots

    def acquire(self, prompt: list[int]) -> tuple[int, int]:
        """The free slot with the longest cached prefix of `prompt` (least recently used on ties), and how many
        prompt tokens it can skip (never the last one: its logits give the first output)."""
        best = max(self.free, key=lambda s: (_common_prefix(self.cached[s], prompt), -self.used_at[s]))
        self.free.remove(best)
        start = min(_common_prefix(self.cached[best], prompt), len(prompt) - 1)
        self.cached[best] = list(prompt[:start])
        return best, start

    def release(self, slot: int, cached: list[int]) -> None:
        self.cached[slot] = cached
        self.used_at[slot] = time.monotonic()
        self.free.append(slot)

    def forget(self) -> None:
        """Drop every cached prefix (after a failed step, or to measure cold prefill)."""
        self.cached = [[] for _ in self.cached]


@dataclass
class _Plan:
    rows: list[Row] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    out_seqs: list[tuple[Sequence, int]] = field(default_factory=list)   # per output: (sequence, output index)
    seqs: list[Sequence] = field(default_factory=list)                   # sequences with rows in the step
    prefill: list[tuple[Sequence, int]] = field(default_factory=list)    # prompt tokens each sequence runs
    keep: list[int] = field(default_factory=list)                        # outputs whose logits are kept

    def add_row(self, row: Row, seq: Sequence) -> None:
        self.add_rows([row], seq)

    def add_rows(self, rows: list[Row], seq: Sequence) -> None:
        self.rows += rows
        if not any(s is seq for s in self.seqs):
            self.seqs.append(seq)

    def add_output(self, seq: Sequence, j: int) -> None:
        self.outputs.append(Output(len(self.rows) - 1, seq.sampling, j))
        self.out_seqs.append((seq, j))


@dataclass
class _Submitted:
    id: int
    handle: Any
    outputs: list[tuple[Sequence, int]]   # per output: (sequence, its output index)
    seqs: list[Sequence]
    keep: list[int]


class Engine:
    """Continuous batching over one runner. Not thread-safe: one thread calls add/cancel/step."""

    def __init__(self, runner: Runner, *, eos_ids=(), lookahead: int | None = None, prefill_chunk: int | None = None,
                 burst: int = 1):
        self.runner = runner
        self.eos_ids = frozenset(eos_ids)
        # Decode steps submitted together when every sequence is decoding (runner.submit_burst: one submit, no CPU
        # writes between them); EOS is then seen up to a burst late and the outputs after it are dropped.
        self.burst = max(1, int(burst)) if hasattr(runner, "submit_burst") and runner.chainable else 1
        # Steps planned before the oldest in flight is read. On one device, 1 keeps the GPU busy while the CPU waits on
        # a readback (rows chain on the GPU); with bursts, a burst's worth, so the next burst is encoded while the GPU
        # runs this one. A pipeline of `depth` stages (a swarm) keeps depth steps in flight, each with other sequences
        # (micro-batches), so every stage has work; a sequence is never in two steps at once.
        self.depth = max(1, int(getattr(runner, "depth", 1)))
        self.lookahead = (self.burst if runner.chainable else self.depth - 1) if lookahead is None else lookahead
        # Prefill rows per step while other sequences decode (alone, a prompt takes whole steps of max_rows).
        self.prefill_chunk = prefill_chunk or max(1, runner.max_rows // 4)
        self.slots = SlotTable(runner.slots)
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []
        self.inflight: deque[_Submitted] = deque()
        self._step_id = 0
        self.last_submitted: int | None = None
        self.stats = {"steps": 0, "rows": 0, "outputs": 0}

    # ------------------------------------------------------------ requests
    def add(self, seq: Sequence) -> Sequence:
        r = self.runner
        if not seq.prompt:
            raise ValueError("the prompt is empty")
        if len(seq.prompt) >= r.context:
            raise LimitError(f"prompt of {len(seq.prompt)} tokens does not fit the context of {r.context} tokens "
                             f"(max_context of the artifact)")
        bad = [t for t in seq.prompt if not 0 <= int(t) < r.vocab]
        if bad:
            raise ValueError(f"token id {bad[0]} is outside the vocabulary (0..{r.vocab - 1})")
        if seq.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {seq.max_tokens}")
        seq.prompt = [int(t) for t in seq.prompt]
        seq.feed, seq.resume = list(seq.prompt), 0
        seq.t_added = time.perf_counter()
        self.waiting.append(seq)
        return seq

    def adopt(self, seq: Sequence) -> Sequence:
        """Continue a sequence from its history (another engine's, or this one's before an Interrupted): its known
        outputs are fed with the prompt, and decoding resumes at the next output."""
        seq.feed, seq.resume = seq.prompt + seq.outputs, len(seq.outputs)
        seq.slot, seq.next_prompt, seq.fed, seq.requested, seq.inflight = None, 0, 0, 0, 0
        seq.pending = {}
        seq.replays += 1
        self.waiting.append(seq)
        return seq

    def take_back(self) -> list[Sequence]:
        """Remove every unfinished sequence (the steps in flight are dropped); they keep their history for adopt."""
        seqs = [s for s in self.running + list(self.waiting) if s.finish is None]
        self.inflight.clear()
        self.running.clear()
        self.waiting.clear()
        self.slots = SlotTable(self.runner.slots)   # what the slots held is unknown now
        self.last_submitted = None
        return seqs

    def restart(self) -> None:
        """After Interrupted: every unfinished sequence is fed again from its history (when the runner is ready)."""
        for seq in self.take_back():
            if seq.cancelled:
                seq.finish = "cancelled"
            else:
                self.adopt(seq)

    def cancel(self, seq: Sequence) -> None:
        """Stop `seq` at the next step; its slot is freed once its steps in flight are read."""
        seq.cancelled = True
        if seq in self.waiting:
            self.waiting.remove(seq)
            seq.finish = "cancelled"

    @property
    def idle(self) -> bool:
        return not self.waiting and not self.running and not self.inflight

    # ------------------------------------------------------------ the loop
    @property
    def blocked(self) -> bool:
        """Nothing can happen until the runner is ready again (a swarm pipeline being repaired)."""
        return not getattr(self.runner, "ready", True) and not self.inflight

    def step(self) -> list[tuple[Sequence, int]]:
        """Plan and submit one step if anything can run, and read the oldest step in flight when the lookahead is
        full or nothing new could be planned. Returns the (sequence, token id) pairs delivered, in order."""
        events: list[tuple[Sequence, int]] = []
        try:
            plan = None
            if getattr(self.runner, "ready", True) and len(self.inflight) <= self.lookahead:
                self._admit()
                plan = self._submit_burst() if self._can_burst() else None
                if plan is None:
                    plan = self._plan()
                    if plan is not None:
                        self._submit(plan)
            if self.inflight and (len(self.inflight) > self.lookahead or plan is None):
                events = self._collect()
        except Interrupted:
            self.restart()
        self._retire()
        return events

    def drain(self) -> list[tuple[Sequence, int]]:
        """Read every step in flight (nothing new is planned)."""
        events = []
        while self.inflight:
            events += self._collect()
        self._retire()
        return events

    def _allowed(self, seq: Sequence, j: int) -> bool:
        """Whether output j of `seq` may be produced: under max_tokens, and prompt + outputs within the context."""
        return j < seq.max_tokens and len(seq.prompt) + j < self.runner.context

    def _admit(self) -> None:
        while self.waiting and self.slots.free:
            seq = self.waiting.popleft()
            seq.slot, seq.reused = self.slots.acquire(seq.feed)
            seq.next_prompt = seq.reused
            self.running.append(seq)

    def _plan(self) -> "_Plan | None":
        r = self.runner
        plan = _Plan()
        # Decode rows first: one per sequence whose next input token is known or is being sampled right now. On a
        # pipeline, each step takes its share of the decoding sequences, so `depth` micro-batches fill the stages.
        decoding = sum(1 for q in self.running if q.finish is None and not q.cancelled and not q.feeding)
        share = -(-decoding // self.depth)
        for seq in self.running:
            if len(plan.outputs) >= share:
                break
            if seq.finish is not None or seq.cancelled or seq.feeding:
                continue
            k = seq.fed   # the output this row consumes; it produces output k + 1
            if k >= seq.requested or not self._allowed(seq, k + 1):
                continue
            if len(plan.rows) >= r.max_rows or len(plan.outputs) >= r.max_outputs:
                break
            if k < len(seq.outputs):
                row = Row(seq.slot, len(seq.prompt) + k, token=seq.outputs[k])
            elif r.chainable and seq.pending.get(k) == self.last_submitted:
                row = Row(seq.slot, len(seq.prompt) + k, src=self._src_index(seq, k))
            else:
                continue   # its token comes from an older step still in flight
            plan.add_row(row, seq)
            plan.add_output(seq, k + 1)
        # Then prompt chunks, oldest first, in what is left; beside decode rows at most prefill_chunk of them.
        budget = r.max_rows - len(plan.rows)
        if plan.rows:
            budget = min(budget, self.prefill_chunk)
        for seq in self.running:
            if budget <= 0:
                break
            if seq.finish is not None or seq.cancelled or not seq.feeding:
                continue
            n = min(budget, len(seq.feed) - seq.next_prompt)
            ends = seq.next_prompt + n == len(seq.feed)
            if ends and len(plan.outputs) >= r.max_outputs:
                n -= 1   # no output left in this step: stop one short, the last token runs next step
                ends = False
                if n <= 0:
                    continue
            start = seq.next_prompt
            plan.add_rows([Row(seq.slot, i, token=t) for i, t in enumerate(seq.feed[start:start + n], start)], seq)
            plan.prefill.append((seq, n))
            budget -= n
            if ends:
                if seq.keep_logits and seq.resume == 0:
                    plan.keep.append(len(plan.outputs))
                plan.add_output(seq, seq.resume)
        return plan if plan.rows else None

    def _can_burst(self) -> bool:
        """Every running sequence is decoding and nothing waits for a slot: the next steps need no CPU input."""
        if self.burst < 2 or (self.waiting and self.slots.free):
            return False
        live = [s for s in self.running if s.finish is None and not s.cancelled]
        return bool(live) and not any(s.feeding for s in live)

    def _submit_burst(self) -> "_Plan | None":
        """Plan up to `burst` decode steps, each chained to the one before on the device, and submit them at once.
        The bookkeeping of each step is done as if it had been submitted alone (so the next step's rows name its
        outputs); the runner's handles are filled in after the one submit."""
        plans, subs = [], []
        for _ in range(self.burst):
            plan = self._plan()
            if plan is None or plan.prefill:
                break
            if plans and any(r.token is not None for r in plan.rows):
                break   # a row whose token the CPU knows: only the first step of a burst may carry one
            subs.append(self._book(plan, None))
            plans.append(plan)
        if not plans:
            return None
        try:
            handles = self.runner.submit_burst([Step(p.rows, p.outputs) for p in plans])
        except Exception as e:
            for sub in subs:   # nothing of the burst reached the device
                self.inflight.remove(sub)
                for seq in sub.seqs:
                    seq.inflight -= 1
            if not isinstance(e, Interrupted):
                self._fail([s for p in plans for s in p.seqs])
            raise
        for sub, h in zip(subs, handles):
            sub.handle = h
        return plans[-1]

    def _src_index(self, seq: Sequence, k: int) -> int:
        last = self.inflight[-1]
        return next(i for i, (s, j) in enumerate(last.outputs) if s is seq and j == k)

    def _submit(self, plan: "_Plan") -> None:
        step = Step(plan.rows, plan.outputs)
        try:
            handle = self.runner.submit(step, plan.keep)
        except Interrupted:
            raise
        except Exception:
            self._fail(plan.seqs)
            raise
        self._book(plan, handle)

    def _book(self, plan: "_Plan", handle) -> "_Submitted":
        """Record a submitted step: what it feeds and produces, and its place in the in-flight queue."""
        step = Step(plan.rows, plan.outputs)
        self._step_id += 1
        sid = self._step_id
        for seq in plan.seqs:
            seq.inflight += 1
        for seq, n in plan.prefill:
            seq.next_prompt += n
        for seq, j in plan.out_seqs:
            seq.pending[j] = sid
            seq.requested = j + 1
            if j > 0:
                seq.fed = j   # the decode row that produces output j consumed output j - 1
        sub = _Submitted(sid, handle, plan.out_seqs, plan.seqs, plan.keep)
        self.inflight.append(sub)
        self.last_submitted = sid
        self.stats["steps"] += 1
        self.stats["rows"] += len(step.rows)
        self.stats["outputs"] += len(step.outputs)
        return sub

    def _collect(self) -> list[tuple[Sequence, int]]:
        sub = self.inflight.popleft()
        try:
            ids, logits = self.runner.collect(sub.handle)
        except Interrupted:
            raise
        except Exception:
            self._fail(sub.seqs)
            for seq in sub.seqs:
                seq.inflight -= 1
            self._retire()
            raise
        now = time.perf_counter()
        events = []
        for o, (seq, j) in enumerate(sub.outputs):
            seq.pending.pop(j, None)
            if seq.finish is not None:
                continue   # a row planned before we learned it had stopped: its output is dropped
            if o in sub.keep and logits is not None:
                seq.first_logits = logits[sub.keep.index(o)]
            tok = int(ids[o])
            seq.outputs.append(tok)
            seq.t_first = seq.t_first or now
            seq.t_last = now
            events.append((seq, tok))
            if seq.stop_at_eos and tok in self.eos_ids:
                seq.finish = "eos"
            elif not self._allowed(seq, j + 1):
                seq.finish = "length" if j + 1 >= seq.max_tokens else "context"
        for seq in sub.seqs:
            seq.inflight -= 1
        return events

    def _retire(self) -> None:
        """Free the slots of sequences that are finished (or cancelled) and have nothing in flight."""
        for seq in list(self.running):
            if seq.cancelled and seq.finish is None and seq.inflight == 0:
                seq.finish = "cancelled"
            if seq.done:
                self.running.remove(seq)
                self.slots.release(seq.slot, seq.history())

    def _fail(self, seqs: list[Sequence]) -> None:
        """A step failed: its sequences end ("error") and what their slots hold is unknown, so nothing of it is
        reused. The caller sees the exception."""
        for seq in seqs:
            seq.finish = "error"
            seq.next_prompt = 0
            seq.fed = 0


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
