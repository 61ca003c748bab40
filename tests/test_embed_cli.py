"""`webshard embed` and `webshard bench --embed` as a user runs them, on a tiny BERT made here: JSON output equal to
the Python API's, the similarity table, one clear error line for a text that is too long or a decoder artifact, and a
benchmark run that prints its figures (none is asserted)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tests.test_cli import assert_one_line_error, webshard
from tests.tiny_bert import make_tiny_bert
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def art(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny-bert")
    r = webshard("compile", make_tiny_bert(d / "hf"), "-o", d / "art", "--context", "12", "--step-tokens", "24")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("compiled hf -> ")   # the id comes from the source directory's name
    return d / "art"


def test_embed_json_equals_the_python_api(gpu, art):
    from compiler.native.encoder import Encoder

    texts = ["hello world", "the cat sat on the mat", "a man is eating food, the dog is eating too"]
    r = webshard("embed", "--artifact", art, "--json", *texts)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["dim"] == 32 and out["tokens"] == [4, 8, 12] and out["truncated"] == [False, False, True]
    np.testing.assert_allclose(out["embeddings"], Encoder.load(art).embed(texts), rtol=1e-5, atol=1e-6)


def test_embed_prints_similarities(gpu, art):
    r = webshard("embed", "--artifact", art, "the cat", "the cat", "hello")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("[1] 4 tokens: ") and lines[3] == "cosine similarity:"
    row1 = [float(v) for v in lines[5].split()[1:]]
    assert row1[0] == row1[1] == 1.0 and row1[2] < 1.0


def test_embed_errors_are_one_line(gpu, art, tmp_path):
    r = webshard("embed", "--artifact", art, "--no-truncate", "a man is eating food, the dog is eating too")
    assert_one_line_error(r, "text 1 is 15 tokens", "at most 12")
    webshard("compile", make_tiny_llama(tmp_path), "-o", tmp_path / "llama", "--context", "32")
    assert_one_line_error(webshard("embed", "--artifact", tmp_path / "llama", "hi"), "is not an encoder")


def test_bench_embed_runs_and_prints_figures(gpu, art):
    r = webshard("bench", "--embed", "--artifact", art, "--batch", "1,3", "--repeats", "1", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [b["batch"] for b in out["runs"][0]["batches"]] == [1, 3]
    assert all(b["sentences_s"] > 0 for b in out["runs"][0]["batches"])
    assert isinstance(out["device"]["adapter"], str) and out["device"]["adapter"]
