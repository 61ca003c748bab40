"""server/safe_json.py: untrusted bytes -> JSON values or one JSONRejected, whatever the bytes."""
from __future__ import annotations

import pytest

from server.safe_json import MAX_DEPTH, JSONRejected, parse_json


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


def test_ordinary_json_parses():
    assert parse_json(b'{"a": [1, 2.5, "\\u00e9\\ud83d\\ude00", null, true]}') == {"a": [1, 2.5, "é😀", None, True]}
    assert parse_json('"text"') == "text"
    assert parse_json(nested(MAX_DEPTH)) is not None  # exactly the limit is fine


@pytest.mark.parametrize("data, fragment", [
    (nested(100_000), "nested more than 64 levels"),  # json.loads alone: RecursionError
    (nested(MAX_DEPTH + 1), "nested more than 64 levels"),  # json.loads parses it; the walk refuses it
    ('{"a": ' * 65 + "1" + "}" * 65, "nested more than 64 levels"),
    ('[{"a": [{"b": ' * 17 + "0" + "}]}]" * 17, "nested more than 64 levels"),
    ("[NaN]", "NaN is not a JSON value"),
    ('{"t": -Infinity}', "-Infinity is not a JSON value"),
    ('"\\ud800"', "lone UTF-16 surrogate (\\ud800)"),
    ('{"\\udfff": 1}', "lone UTF-16 surrogate"),
    (b"\xff\xfe{}", "not UTF-8"),
    ('{"a": 1,}', "Expecting property name"),
    ("", "Expecting value"),
    ("1" * 5000, "digits"),  # Python's int-from-text limit (CVE-2020-10735), a ValueError
])
def test_unacceptable_json_is_rejected_with_a_reason(data, fragment):
    with pytest.raises(JSONRejected) as e:
        parse_json(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    assert fragment in str(e.value)
    assert isinstance(e.value, ValueError)  # callers that catch ValueError keep working


def test_depth_is_configurable():
    assert parse_json(nested(3), max_depth=3) == [[[]]]
    with pytest.raises(JSONRejected):
        parse_json(nested(4), max_depth=3)
