"""The strong peers for `webshard bench --baseline torch`: hand-written torch decode and prefill with the model's
shapes.

bench.py -> **torch_decode_tok_s** / **torch_prefill_tok_s** -> tok/s of the same decode (same shapes, same
context, same device) and of the same prompts, in the same process. Each is the strongest simple torch
implementation: a static KV cache, f32 weights, greedy argmax on the device, the whole step or prompt captured in
one CUDA graph (on a CPU it runs eagerly: there is no graph to capture), so that no launch overhead is counted
against torch. Weights are random: speed depends on shapes alone. torch is optional and imported only here; never a
dependency.
"""
from __future__ import annotations

import statistics
import time


def available() -> str | None:
    """None when torch can run the peer, else why not."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed (it is optional: pip install torch)"
    return None


class _PeerModel:
    """The peers' model: f32 weights with the model's shapes (random: speed depends on shapes alone), its RMS norms
    and NeoX-style RoPE, written once for the decode and the prefill peer."""

    def __init__(self, cfg: dict, dev):
        import torch

        self.L, self.D, self.H, self.KVH = cfg["n_layers"], cfg["d_model"], cfg["n_heads"], cfg["n_kv_heads"]
        self.HD, self.FF, self.V = self.D // self.H, cfg["d_ff"], cfg["vocab_size"]
        theta = float(cfg.get("rope_theta") or 10000.0)
        g = torch.Generator(device="cpu").manual_seed(0)

        def rnd(*shape, scale=0.02):
            return (torch.randn(*shape, generator=g) * scale).to(dev)

        H, KVH, HD, D, FF = self.H, self.KVH, self.HD, self.D, self.FF
        self.emb = rnd(self.V, D)
        self.layers = [dict(wqkv=rnd((H + 2 * KVH) * HD, D), wo=rnd(D, H * HD), wgu=rnd(2 * FF, D), wd=rnd(D, FF),
                            n1=torch.ones(D, device=dev), n2=torch.ones(D, device=dev)) for _ in range(self.L)]
        self.norm = torch.ones(D, device=dev)
        self.inv = 1.0 / theta ** (torch.arange(0, HD, 2, device=dev, dtype=torch.float32) / HD)

    @staticmethod
    def rms(x, w):
        import torch

        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def rope(self, x, cos, sin):   # x (..., heads, HD), NeoX halves; cos, sin broadcast over the heads
        import torch

        a, b = x[..., : self.HD // 2], x[..., self.HD // 2:]
        return torch.cat([a * cos - b * sin, a * sin + b * cos], -1)

    def angles(self, pos):
        import torch

        ang = pos.float()[:, None] * self.inv[None, :]   # (rows, HD/2)
        return torch.cos(ang), torch.sin(ang)


def _graphed(step, dev):
    """`step` captured in a CUDA graph (its replay), after a warm-up on a side stream as capture requires; on a
    CPU, `step` itself."""
    import torch

    if dev.type != "cuda":
        return step
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            step()
    torch.cuda.current_stream().wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph.replay


def _device(device):
    import torch

    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    info = {"device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu", "torch": torch.__version__,
            "graph": dev.type == "cuda", "dtype": "f32"}
    return dev, info


def _time_prompt(run, sync, tokens: int, repeats: int, warm_s: float) -> dict:
    """One prompt length's entry: `run` back to back for `warm_s` seconds (an idle H200's clock falls to 345 MHz),
    then the median of `repeats` timed runs, each waited for with `sync`."""
    end = time.perf_counter() + warm_s
    while True:
        run()
        sync()
        if time.perf_counter() >= end:
            break
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - t0)
    return {"tokens": tokens, "tok_s": tokens / statistics.median(times),
            "runs_ms": [round(t * 1000, 3) for t in times]}


def torch_decode_tok_s(cfg: dict, contexts: list[int], tokens: int = 64, repeats: int = 3,
                       device: str | None = None) -> dict:
    """Decode tok/s of the peer at each context in `contexts` (median of `repeats` runs of `tokens` steps).

    cfg: the manifest's model config (n_layers, d_model, n_heads, n_kv_heads, d_ff, vocab_size, rope_theta).
    """
    import torch
    import torch.nn.functional as F

    dev, info = _device(device)
    m = _PeerModel(cfg, dev)
    H, KVH, HD, FF = m.H, m.KVH, m.HD, m.FF
    C = max(contexts) + tokens + 1   # one static cache for every context: the peer attends over its valid rows only
    kc = torch.zeros(m.L, KVH, C, HD, device=dev)
    vc = torch.zeros(m.L, KVH, C, HD, device=dev)
    tok = torch.zeros(1, dtype=torch.long, device=dev)
    pos = torch.zeros(1, dtype=torch.long, device=dev)
    keys = torch.arange(C, device=dev)

    def step():
        x = m.emb[tok]                                 # (1, D)
        cos, sin = m.angles(pos)
        mask = (keys <= pos)[None, None, :]            # (1, 1, C): valid cache rows
        for i, ly in enumerate(m.layers):
            qkv = m.rms(x, ly["n1"]) @ ly["wqkv"].T
            q, k, v = qkv.split([H * HD, KVH * HD, KVH * HD], -1)
            q = m.rope(q.view(H, HD), cos, sin)
            k = m.rope(k.view(KVH, HD), cos, sin)
            kc[i].index_copy_(1, pos, k[:, None, :])
            vc[i].index_copy_(1, pos, v.view(KVH, 1, HD))
            o = F.scaled_dot_product_attention(q[None, :, None, :], kc[i][None], vc[i][None],
                                               attn_mask=mask[None], enable_gqa=True)
            x = x + o.reshape(1, H * HD) @ ly["wo"].T
            gu = m.rms(x, ly["n2"]) @ ly["wgu"].T
            x = x + (F.silu(gu[:, :FF]) * gu[:, FF:]) @ ly["wd"].T
        logits = m.rms(x, m.norm) @ m.emb.T
        tok.copy_(logits.argmax(-1))
        pos.add_(1)

    with torch.no_grad():
        run = _graphed(step, dev)
        sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
        out = info | {"decode": []}
        for ctx in contexts:
            rates = []
            for _ in range(repeats):
                pos.fill_(ctx)
                run()
                sync()
                t0 = time.perf_counter()
                for _ in range(tokens):
                    run()
                sync()
                rates.append(tokens / (time.perf_counter() - t0))
            out["decode"].append({"context": ctx, "tokens": tokens, "tok_s": statistics.median(rates)})
    return out


def torch_prefill_tok_s(cfg: dict, lengths: list[int], repeats: int = 7, device: str | None = None,
                        warm_s: float = 0.3) -> dict:
    """Prefill tok/s of the peer: one prompt of each length in `lengths` through the model to its next token, as
    our first token is made (causal attention over the prompt, its keys and values written to a static cache, the
    logits of its last row only, argmax on the device), the whole prompt captured in one CUDA graph per length.

    f32 with TF32 off: the plain cores' f32 GEMMs (cuBLAS), the arithmetic our f32 kernels do, so the ratio says how
    far our kernels are from the best f32 code for these shapes on this GPU. Timed like hf_eager_prefill_tok_s:
    the median of `repeats` after `warm_s` seconds of the same prompt back to back."""
    import torch
    import torch.nn.functional as F

    dev, info = _device(device)
    m = _PeerModel(cfg, dev)
    H, KVH, HD, FF = m.H, m.KVH, m.HD, m.FF
    C = max(lengths)
    kc = torch.zeros(m.L, KVH, C, HD, device=dev)
    vc = torch.zeros(m.L, KVH, C, HD, device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    saved = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    out = info | {"tf32": False, "prefill": []}
    try:
        with torch.no_grad():
            for n in lengths:
                ids = torch.randint(1, m.V, (n,), device=dev)
                pos = torch.arange(n, device=dev)
                nxt = torch.zeros(1, dtype=torch.long, device=dev)

                def prompt():
                    x = m.emb[ids]                                  # (n, D)
                    cos, sin = m.angles(pos)
                    cos, sin = cos[:, None, :], sin[:, None, :]    # over the heads
                    for i, ly in enumerate(m.layers):
                        qkv = m.rms(x, ly["n1"]) @ ly["wqkv"].T
                        q, k, v = qkv.split([H * HD, KVH * HD, KVH * HD], -1)
                        q = m.rope(q.view(n, H, HD), cos, sin).transpose(0, 1)        # (H, n, HD)
                        k = m.rope(k.view(n, KVH, HD), cos, sin).transpose(0, 1)
                        kc[i, :, :n] = k
                        vc[i, :, :n] = v.view(n, KVH, HD).transpose(0, 1)
                        o = F.scaled_dot_product_attention(q[None], kc[i, :, :n][None], vc[i, :, :n][None],
                                                           is_causal=True, enable_gqa=True)
                        x = x + o[0].transpose(0, 1).reshape(n, H * HD) @ ly["wo"].T
                        gu = m.rms(x, ly["n2"]) @ ly["wgu"].T
                        x = x + (F.silu(gu[:, :FF]) * gu[:, FF:]) @ ly["wd"].T
                    logits = m.rms(x[-1:], m.norm) @ m.emb.T
                    nxt.copy_(logits.argmax(-1))

                out["prefill"].append(_time_prompt(_graphed(prompt, dev), sync, n, repeats, warm_s))
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved
    return out


def hf_eager_prefill_tok_s(cfg: dict, lengths: list[int], repeats: int = 7, device: str | None = None,
                          warm_s: float = 0.3) -> dict:
    """Prefill tok/s of HF transformers' LlamaForCausalLM, eager, f32, random weights with the model's shapes: the
    reference the issue's prefill target is stated against (None per length when transformers is missing).

    Each length is timed `repeats` times (median) after `warm_s` seconds of the same prompt back to back, as
    bench.measure_prefill times ours after keep_busy: on an H200 the clock falls to 345 MHz when idle. With one
    warm-up call and 3 timed ones, seven runs of the bench on H200 machines (README) read 9.1k to 20.5k tok/s at
    512 tokens."""
    import torch

    try:
        from transformers import LlamaConfig, LlamaForCausalLM
    except ImportError:
        return {"error": "transformers is not installed"}
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    hf = LlamaConfig(vocab_size=cfg["vocab_size"], hidden_size=cfg["d_model"], intermediate_size=cfg["d_ff"],
                     num_hidden_layers=cfg["n_layers"], num_attention_heads=cfg["n_heads"],
                     num_key_value_heads=cfg["n_kv_heads"], rope_theta=float(cfg.get("rope_theta") or 10000.0),
                     max_position_embeddings=max(lengths) + 8, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = LlamaForCausalLM(hf).to(dev, torch.float32).eval()
    out = {"device": str(dev), "dtype": "f32", "prefill": []}
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    with torch.no_grad():
        for n in lengths:
            ids = torch.randint(1, cfg["vocab_size"], (1, n), device=dev)
            out["prefill"].append(_time_prompt(lambda: model(ids), sync, n, repeats, warm_s))
    return out
