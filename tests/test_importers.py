"""compiler/importers.py on damaged GGUF files: every cut gives one ModelFormatError naming the file and what is
missing, before any tensor is read (no adapter needed)."""
from __future__ import annotations

import re

import gguf
import numpy as np
import pytest

from compiler.errors import ModelFormatError
from compiler.importers import load_model
from tests.tiny_models import make_tiny_llama


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = make_tiny_llama(tmp_path_factory.mktemp("tiny"))
    return path, path.read_bytes(), gguf.GGUFReader(str(path))


def cut(tmp_path, data: bytes, n: int):
    path = tmp_path / f"cut{n}.gguf"
    path.write_bytes(data[:n])
    with pytest.raises(ModelFormatError) as e:
        load_model(path)
    message = str(e.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def test_cut_inside_tensor_data_names_the_tensor_and_the_bytes(tiny, tmp_path):
    _, data, reader = tiny
    for t in reader.tensors[::3]:
        start, n = int(t.data_offset), int(t.n_bytes)
        for keep in (0, 1, n // 2, n - 1):  # cut at the tensor's first byte, inside it, one byte short
            message = cut(tmp_path, data, start + keep)
            assert f"truncated: tensor {t.name!r} needs {n} bytes at offset {start}, but only {keep} are in the " \
                   f"file ({start + keep} bytes; a complete file would be at least {len(data)})" in message


@pytest.mark.parametrize("n", [1, 3, 4, 10, 24, 100, 1000, 3000])
def test_cut_inside_the_metadata_says_truncated(tiny, tmp_path, n):
    _, data, reader = tiny
    assert n < reader.data_offset
    assert re.search(rf"truncated or corrupt: the GGUF metadata at byte \d+ needs \d+ bytes, but the file ends at "
                     rf"byte {n}$", cut(tmp_path, data, n))


def test_empty_file(tmp_path):
    assert "empty file (0 bytes)" in cut(tmp_path, b"", 0)


def test_a_tensor_offset_past_the_end(tiny, tmp_path):
    _, data, reader = tiny
    t = reader.tensors[1]
    # The tensor info's last part is its data offset (u64); point it 1 TiB past the data section.
    offset_part = t.field.parts[-1]
    at = t.field.offset + sum(int(p.nbytes) for p in t.field.parts[:-1])
    assert int(np.frombuffer(data, np.uint64, 1, at)[0]) == int(offset_part[0])
    bad = bytearray(data)
    bad[at:at + 8] = np.uint64(2**40).tobytes()
    path = tmp_path / "far.gguf"
    path.write_bytes(bytes(bad))
    with pytest.raises(ModelFormatError, match=rf"truncated: tensor '{t.name}' needs {int(t.n_bytes)} bytes at offset "
                                               rf"{reader.data_offset + 2**40}, but only 0 are in the file"):
        load_model(path)


def test_the_whole_file_still_loads(tiny):
    path, _, reader = tiny
    assert set(load_model(path).tensors) == {t.name for t in reader.tensors}
