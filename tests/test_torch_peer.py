"""The torch peers of `webshard bench --baseline torch` (torch is optional: these run where it is installed, such as
a GPU machine; the bench's own tests cover the rest)."""
import pytest

from compiler.native import torch_peer

torch = pytest.importorskip("torch")

TINY = {"n_layers": 2, "d_model": 64, "n_heads": 4, "n_kv_heads": 2, "d_ff": 96, "vocab_size": 300,
        "rope_theta": 10000.0}


@pytest.mark.parametrize("device", ["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
def test_peers_time_every_length_and_context(device):
    saved = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        pre = torch_peer.torch_prefill_tok_s(TINY, [3, 17], repeats=2, device=device, warm_s=0.0)
        assert torch.backends.cuda.matmul.allow_tf32 is True   # the caller's setting, restored
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved
    assert [x["tokens"] for x in pre["prefill"]] == [3, 17]
    assert all(x["tok_s"] > 0 and len(x["runs_ms"]) == 2 for x in pre["prefill"])
    assert pre["graph"] == (device == "cuda") and pre["tf32"] is False
    dec = torch_peer.torch_decode_tok_s(TINY, [4, 9], tokens=3, repeats=1, device=device)
    assert [x["context"] for x in dec["decode"]] == [4, 9] and all(x["tok_s"] > 0 for x in dec["decode"])
