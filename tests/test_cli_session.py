"""`webshard generate` and `webshard chat` as a person uses them: a split run prints the unsplit ids, a long prompt
shows progress on a terminal, and a chat survives an over-long message and Ctrl-C during a reply."""
from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.test_cli import ROOT, webshard
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def tiny_art(tmp_path_factory) -> Path:
    from compiler.build import compile_model
    from compiler.importers import load_model

    d = tmp_path_factory.mktemp("tiny")
    model = load_model(make_tiny_llama(d, layers=3, context=4096))
    compile_model(model, d / "art", model_id="tiny", max_context=4096, max_tokens=8, progress=False)
    return d / "art"


def generate_ids(art: Path, *extra) -> list[int]:
    r = webshard("generate", "--artifact", art, "--json", "--max-tokens", 12, *extra, "the cat is on the mat")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["ids"]


def test_split_run_prints_the_unsplit_ids(gpu, tiny_art):
    whole = generate_ids(tiny_art)
    assert len(whole) == 12
    for split in ("1", "2", "1,2"):
        assert generate_ids(tiny_art, "--split", split) == whole, split


def test_bad_split_points_are_one_clear_error(tiny_art):
    for bad, needle in (("0", "cannot split before layer 0"), ("7", "cannot split before layer 7"),
                        ("2,1", "increasing"), ("a", "--split")):
        r = webshard("generate", "--artifact", tiny_art, "--split", bad, "hi")
        assert r.returncode != 0 and needle in r.stderr, (bad, r.stderr)
        assert "Traceback" not in r.stderr


@pytest.mark.real_model
def test_smollm2_split_at_10_20_prints_the_unsplit_ids(gpu, smollm2_artifact):
    art, _ = smollm2_artifact
    assert generate_ids(art, "--split", "10,20") == generate_ids(art)


def _spawn(art: Path, *args, stderr_tty: bool = False):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    err_master = err_slave = None
    if stderr_tty:
        err_master, err_slave = pty.openpty()
        # A terminal of 100 columns: a fresh pty reports 0, and tqdm draws nothing in a zero-width terminal.
        fcntl.ioctl(err_slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "compiler.cli", *map(str, args), "--artifact", str(art)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=err_slave if stderr_tty else subprocess.PIPE, cwd=ROOT, env=env)
    if err_slave is not None:
        os.close(err_slave)
    return proc, err_master


class Reader:
    """Reads a pipe or pty without blocking forever; `until` consumes output up to and including a needle."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buf = fd, b""

    def until(self, needle: bytes, timeout: float = 120) -> bytes:
        deadline = time.monotonic() + timeout
        while needle not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} did not appear; got {self.buf[-400:]!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:   # a pty whose other end closed
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"stream ended before {needle!r}; got {self.buf[-400:]!r}")
                self.buf += chunk
        i = self.buf.index(needle) + len(needle)
        got, self.buf = self.buf[:i], self.buf[i:]
        return got

    def some(self, timeout: float = 120) -> bytes:
        """Whatever comes next (at least one byte), without consuming it."""
        if not self.buf:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            chunk = os.read(self.fd, 4096) if ready else b""
            if not chunk:
                raise AssertionError("no output arrived")
            self.buf += chunk
        return self.buf


def test_a_long_prompt_shows_progress_on_a_terminal(gpu, tiny_art):
    proc, err = _spawn(tiny_art, "generate", "--max-tokens", "2", "the cat is on the mat " * 40, stderr_tty=True)
    try:
        text = Reader(err).until(b"tok/s", timeout=300)   # the final summary line
    finally:
        proc.wait(timeout=60)
        os.close(err)
    assert proc.returncode == 0
    assert b"prompt" in text and b"%" in text, text[-600:]   # tqdm's bar: "prompt:  40%|####  | 96/241"


def test_chat_keeps_the_conversation_after_an_over_long_message(gpu, tiny_art, tmp_path):
    # The tiny artifact holds 4096 tokens; a message of 6000 unmerged bytes cannot fit, the next one is answered.
    long_msg = "zq" * 3000
    r = subprocess.run([sys.executable, "-m", "compiler.cli", "chat", "--artifact", str(tiny_art), "--max-tokens", "4"],
                       input=f"hi\n{long_msg}\nthe hat\n\n", capture_output=True, text=True, cwd=ROOT, timeout=300,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr
    assert "that message is" in r.stderr and "the conversation is kept" in r.stderr
    assert r.stdout.count("> ") == 4   # prompts for: hi, the long one, the hat, the empty line that quits


def test_ctrl_c_stops_the_reply_not_the_chat(gpu, tiny_art):
    proc, _ = _spawn(tiny_art, "chat", "--max-tokens", "3000")
    out = Reader(proc.stdout.fileno())
    try:
        out.until(b"> ")
        proc.stdin.write(b"the cat\n")
        proc.stdin.flush()
        # Ctrl-C once the reply streams. Not after a fixed delay: this reply ends (EOS) after about 300 tokens,
        # which an idle machine writes in under a second, and Ctrl-C at the next prompt quits the chat.
        out.some()
        proc.send_signal(signal.SIGINT)
        got = out.until(b"[stopped]", timeout=120)
        got += out.until(b"> ", timeout=60)
        proc.stdin.write(b"in the hat\n")
        proc.stdin.flush()
        out.some()   # past input(), where Ctrl-C quits the chat as at any prompt
        proc.send_signal(signal.SIGINT)   # again, soon: early in the second reply
        got += out.until(b"[stopped]", timeout=120)
        proc.stdin.write(b"\n")
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert got.count(b"[stopped]") == 2
