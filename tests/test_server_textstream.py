"""server/textstream.py: incremental decoding across split UTF-8 characters, and stop strings across deltas."""
from __future__ import annotations

import pytest

from server.textstream import IncrementalDecoder, StopScanner
from tests.server_fakes import FakeModel


def decode_stream(text: str) -> list[str]:
    model = FakeModel()
    decoder = IncrementalDecoder(model.decode)
    return [decoder.push(t) for t in model.encode(text)] + [decoder.flush()]


@pytest.mark.parametrize("text", ["plain ascii", "Café ☕ 東京!", "🙂🙃", "é"])
def test_decoder_never_emits_half_a_character(text):
    deltas = decode_stream(text)
    assert "".join(deltas) == text
    assert not any("\ufffd" in d for d in deltas)


def test_decoder_flush_reports_an_unfinished_character():
    model = FakeModel()
    decoder = IncrementalDecoder(model.decode)
    assert decoder.push(ord("a")) == "a"
    assert decoder.push("☕".encode()[0]) == ""  # held back: the character is incomplete
    assert decoder.flush() == "\ufffd"


def scan(stops: list[str], deltas: list[str]) -> tuple[str, bool, list[str]]:
    scanner = StopScanner(stops)
    emitted = []
    for delta in deltas:
        out, hit = scanner.feed(delta)
        emitted.append(out)
        if hit:
            return "".join(emitted), True, emitted
    emitted.append(scanner.flush())
    return "".join(emitted), False, emitted


def test_stop_string_split_across_deltas_is_never_shown():
    text, hit, emitted = scan(["\nUser:"], ["Hello", "\nUs", "er: more"])
    assert (text, hit) == ("Hello", True)
    assert emitted == ["Hello", "", ""]


def test_earliest_of_several_stops_wins():
    assert scan(["world", "lo"], ["Hello world"])[:2] == ("Hel", True)


def test_false_alarm_releases_held_text():
    text, hit, emitted = scan(["STOP"], ["go ST", "ay"])
    assert (text, hit) == ("go STay", False)
    assert emitted[0] == "go "  # "ST" was held until the next delta ruled the stop string out


def test_no_stops_passes_everything_through():
    assert scan([], ["a", "b"]) == ("ab", False, ["a", "b", ""])


# ---------------------------------------------------------------- the browser's StreamDecoder is the same decoder

_NODE_STREAM = """
import fs from "node:fs";
import { pathToFileURL } from "node:url";
const [repo, casesFile] = process.argv.slice(2);
const { TextCodec, StreamDecoder } = await import(pathToFileURL(`${repo}/runtime_js/tokenizer.js`).href);
const { tokenizer, info, streams } = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const codec = new TextCodec(tokenizer, info);
console.log(JSON.stringify(streams.map((ids) => {
  const d = new StreamDecoder(codec);
  return [...ids.map((id) => d.push(id)), d.flush()];
})));
"""


def test_js_stream_decoder_gives_the_native_deltas(tmp_path):
    """runtime_js/tokenizer.js StreamDecoder vs IncrementalDecoder on the same ids: multi-byte characters split over
    tokens are held back, and flush gives what an unfinished character leaves (U+FFFD)."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from compiler.tokenizer import tokenizer_from_hf_dir
    from tests.conftest import unavailable
    from tests.tiny_models import make_tiny_gpt2

    repo = Path(__file__).resolve().parent.parent
    node = shutil.which("node")
    if node is None or not (repo / "node_modules" / "@huggingface" / "tokenizers").exists():
        unavailable("node and node_modules (make setup runs npm install)", "node or node_modules missing")
    tok, info = tokenizer_from_hf_dir(make_tiny_gpt2(tmp_path / "hf"))
    texts = ["Café ☕ 東京! the cat", "😀😀 in the hat", "plain text, no surprises"]
    streams = [tok.encode(t).ids for t in texts]
    streams.append(tok.encode("日本").ids[:-1])   # ends inside a character: flush shows U+FFFD
    decode = lambda ids: tok.decode(ids, skip_special_tokens=True)  # noqa: E731
    want = []
    for ids in streams:
        d = IncrementalDecoder(decode)
        want.append([d.push(i) for i in ids] + [d.flush()])
    assert any("\ufffd" in w[-1] for w in want)
    cases = {"tokenizer": json.loads(tok.to_str()), "info": info.to_json(), "streams": streams}
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "check.mjs").write_text(_NODE_STREAM)
    out = subprocess.run([node, str(tmp_path / "check.mjs"), str(repo), str(tmp_path / "cases.json")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == want
