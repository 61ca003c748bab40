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
