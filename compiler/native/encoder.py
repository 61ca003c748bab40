"""A compiled encoder on this process's GPU: texts -> token ids -> packed steps -> one embedding per text.

artifact (compiler/encoder.py: units embed, layer.N, pool) -> **Encoder** (one Stage over every unit, on its own
Workspace) -> the CLI (`webshard embed`), the server's /v1/embeddings (server/embeddings.py) and the benchmark
(bench_embed.py). runtime_js/encoder.js is the browser twin: same truncation, same packing, same steps.

A step packs whole sentences back to back (compiler/encoder.py says why packed, not padded): sentence i of the step
is slot i, its rows have positions 0..n-1, and output i names its last row. Every step of one `embed` call is
submitted before the first is read back (the queue orders each step's control-buffer writes after the previous
step's work), so the CPU never waits between steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..artifact import read_manifest
from ..errors import ArtifactError, LimitError
from .batch import Output, Row, Step, pack_ctl, pack_params
from .executor import read_back, submit, wait_for
from .gpu import Gpu, get_gpu
from .stage import Stage, Workspace, unit_names


@dataclass(frozen=True)
class Encoded:
    """One text's token ids as the model sees them, and how many the text had before they were cut."""

    ids: list[int]
    tokens: int          # ids before truncation, [CLS] and [SEP] included

    @property
    def truncated(self) -> bool:
        return self.tokens > len(self.ids)


def truncate(ids: list[int], limit: int) -> list[int]:
    """The first limit - 1 ids and the last ([SEP]): what the tokenizer's own truncation to `limit` gives a single
    sentence (sentence-transformers truncates to max_seq_length, keeping [CLS] and [SEP])."""
    return list(ids) if len(ids) <= limit else list(ids[:limit - 1]) + [ids[-1]]


def plan_steps(lengths: list[int], max_rows: int, max_sentences: int) -> list[list[int]]:
    """Sentence indices per step, in order: a step takes sentences while their rows fit max_rows and their count
    fits max_sentences. Every length must be 1..max_rows (runtime_js/encoder.js planSteps is the twin)."""
    steps: list[list[int]] = []
    rows = 0
    for i, n in enumerate(lengths):
        if not 1 <= n <= max_rows:
            raise ValueError(f"sentence {i} has {n} tokens; a step holds 1..{max_rows}")
        if not steps or rows + n > max_rows or len(steps[-1]) >= max_sentences:
            steps.append([])
            rows = 0
        steps[-1].append(i)
        rows += n
    return steps


def pack_step(sentences: list[list[int]]) -> Step:
    """One step of whole sentences: sentence i is slot i at positions 0..n-1; output i is its last row."""
    rows, outputs = [], []
    for slot, ids in enumerate(sentences):
        rows += [Row(slot, pos, token=int(t)) for pos, t in enumerate(ids)]
        outputs.append(Output(len(rows) - 1))
    return Step(rows, outputs)


def encoder_ctl(layout: dict, lengths: list[int]) -> bytes:
    """pack_ctl(layout, pack_step(sentences of these lengths)), byte for byte, with numpy: a 1000-row step costs
    batch.pack_ctl milliseconds of Python per step, which a fast GPU would otherwise wait for."""
    ctl = layout["ctl"]
    row_names = [n for n, _ in ctl["row_fields"]]
    n_out, n_rows = len(lengths), int(sum(lengths))
    lengths_a = np.asarray(lengths, np.int64)
    starts = np.cumsum(lengths_a) - lengths_a
    rows = np.zeros((n_rows, len(row_names)), np.uint32)
    rows[:, row_names.index("slot")] = np.repeat(np.arange(n_out), lengths_a)
    rows[:, row_names.index("pos")] = np.arange(n_rows) - np.repeat(starts, lengths_a)
    rows[:, row_names.index("src")] = ctl["no_src"]
    # One output entry as batch.pack_ctl writes it (default sampling, step 0), repeated with each sentence's last row.
    one = np.frombuffer(pack_ctl(layout, Step([Row(0, 0, token=0)], [Output(0)])), np.uint32)[ctl["out_offset_words"]:]
    outs = np.tile(one, (n_out, 1))
    outs[:, [n for n, _ in ctl["out_fields"]].index("row")] = starts + lengths_a - 1
    words = np.zeros(ctl["out_offset_words"] + outs.size if n_out else rows.size, np.uint32)
    words[:rows.size] = rows.reshape(-1)
    if n_out:
        words[ctl["out_offset_words"]:] = outs.reshape(-1)
    return words.tobytes()


class Encoder:
    """An embedding model on this process's GPU. Not thread-safe: one thread drives it (the server's GPU thread)."""

    def __init__(self, artifact: Path, manifest: dict, stage: Stage, gpu: Gpu):
        from ..tokenizer import load_tokenizer

        self.artifact, self.manifest, self.stage, self.gpu = Path(artifact), manifest, stage, gpu
        self.ws = stage.ws
        self.variant = self.ws.variant
        self.model_id = manifest["model"]["id"]
        self.config = manifest["model"]["config"]
        self.dim = int(self.config["d_model"])
        self.max_tokens = manifest["limits"]["max_context"]        # longest text, [CLS] and [SEP] included
        self.max_rows = self.ws.max_rows
        self.max_sentences = self.ws.max_outputs
        self.tokenizer = load_tokenizer(self.artifact / manifest["tokenizer"]["file"])

    @classmethod
    def load(cls, artifact: str | Path, variant: str | None = None, gpu: Gpu | None = None) -> "Encoder":
        manifest = read_manifest(Path(artifact))
        if manifest["plan"]["units"][-1]["role"] != "pool":
            raise ArtifactError(f"{artifact}: {manifest['model']['id']} is not an encoder (its plan ends with "
                                f"{manifest['plan']['units'][-1]['name']}, not pool); generate with it instead")
        gpu = gpu or get_gpu()
        # Every sentence is at least [CLS] [SEP]: a step holds at most max_rows / 2 of them (slots = sentences).
        sentences = max(1, manifest["limits"]["max_tokens_per_step"] // 2)
        ws = Workspace.create(artifact, slots=sentences, variant=variant, gpu=gpu, manifest=manifest)
        return cls(Path(artifact), manifest, Stage(ws, unit_names(manifest)), gpu)

    # ------------------------------------------------------------ text
    def encode(self, texts: list[str]) -> list[Encoded]:
        """Token ids per text ([CLS] ... [SEP]), cut to max_tokens; `tokens` keeps the uncut count."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise TypeError("encode takes a list of strings")
        return [Encoded(truncate(e.ids, self.max_tokens), len(e.ids)) for e in self.tokenizer.encode_batch(list(texts))]

    def embed(self, texts: list[str], *, truncate: bool = True) -> np.ndarray:
        """(len(texts), dim) float32 embeddings (unit length when the model normalizes). A text longer than
        max_tokens is cut to it, as sentence-transformers does, or refused with truncate=False."""
        encoded = self.encode(texts)
        if not truncate:
            for i, e in enumerate(encoded):
                if e.truncated:
                    raise LimitError(f"text {i} is {e.tokens} tokens; {self.model_id} embeds at most "
                                     f"{self.max_tokens} (pass truncate=True to cut it)")
        return self.embed_ids([e.ids for e in encoded])

    # ------------------------------------------------------------ GPU
    def embed_ids(self, sentences: list[list[int]]) -> np.ndarray:
        """Embeddings of token-id lists (each 1..max_tokens ids), in as few packed steps as fit."""
        for i, s in enumerate(sentences):
            if not 1 <= len(s) <= self.max_tokens:
                raise LimitError(f"sentence {i} has {len(s)} tokens; {self.model_id} takes 1..{self.max_tokens}")
        ws, out = self.ws, self.stage.output
        layout, q, vocab = self.manifest["params"], ws.device.queue, self.config["vocab_size"]
        result = np.zeros((len(sentences), self.dim), np.float32)
        pending = []
        for idx in plan_steps([len(s) for s in sentences], self.max_rows, self.max_sentences):
            # What Step.check and Workspace.write_step do for pack_step(...), in numpy (encoder_ctl says why).
            lengths = [len(sentences[i]) for i in idx]
            tokens = np.fromiter((t for i in idx for t in sentences[i]), np.int64, count=sum(lengths))
            if tokens.min() < 0 or tokens.max() >= vocab:
                bad = int(tokens[(tokens < 0) | (tokens >= vocab)][0])
                raise ValueError(f"token id {bad} is outside the vocabulary (0..{vocab - 1})")
            n_rows, n_out = len(tokens), len(idx)
            q.write_buffer(ws.ex.params, 0, pack_params(layout, n_rows, n_out))
            q.write_buffer(ws.buffer("ctl"), 0, encoder_ctl(layout, lengths))
            q.write_buffer(ws.buffer("tokens"), 0, tokens.astype(np.uint32).tobytes())
            enc = ws.device.create_command_encoder()
            cp = enc.begin_compute_pass()
            self.stage.record(cp, n_rows, n_out)
            cp.end()
            nbytes = len(idx) * out["row_bytes"]
            rb = ws.readback(nbytes)
            enc.copy_buffer_to_buffer(ws.buffer(out["buffer"]), 0, rb, 0, nbytes)
            pending.append((idx, rb, nbytes, submit(ws.device.queue, [enc.finish()])))
        for idx, rb, nbytes, index in pending:
            wait_for(ws.device, index)
            try:
                result[idx] = read_back(ws.device, rb, nbytes, np.float32, index).reshape(len(idx), self.dim)
            finally:
                ws.release(rb)
        return result

    def warm_up(self) -> None:
        """Run every pipeline once: some drivers compile at first dispatch, which timings should not see."""
        self.embed_ids([[0, 0]])

    def summary(self) -> dict:
        m = self.manifest
        return {"model": self.model_id, "adapter": self.gpu.name, "variant": self.variant, "dim": self.dim,
                "max_tokens": self.max_tokens, "rows_per_step": self.max_rows,
                "sentences_per_step": self.max_sentences, "weight_bytes": m["stats"]["weight_bytes"],
                "pooling": self.config.get("pooling"), "normalize": self.config.get("normalize")}
