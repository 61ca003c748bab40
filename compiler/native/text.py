"""An artifact's text side: tokenizer, chat encoding and limits, without a GPU.

artifact (tokenizer.json + manifest) -> **TextModel** -> the native Model (model.py) adds stages and the engine; the
swarm coordinator serves requests with a TextModel alone, since its workers hold the weights. No wgpu here.
"""
from __future__ import annotations

from pathlib import Path

from ..artifact import read_manifest


class TextModel:
    def __init__(self, artifact: Path, manifest: dict):
        from ..tokenizer import TokenizerInfo, load_tokenizer

        self.artifact = Path(artifact)
        self.manifest = manifest
        self.config = manifest["model"]["config"]
        self.model_id = manifest["model"]["id"]
        self.max_context = manifest["limits"]["max_context"]
        self.max_step_tokens = manifest["limits"]["max_tokens_per_step"]
        self.tokenizer = load_tokenizer(self.artifact / manifest["tokenizer"]["file"])
        self.tokenizer_info = TokenizerInfo.from_json(manifest["tokenizer"])
        self._chat_encoder = None   # built on first use: it copies the tokenizer (about 0.5 s for SmolLM2)

    @classmethod
    def open(cls, artifact: str | Path) -> "TextModel":
        return cls(Path(artifact), read_manifest(Path(artifact)))

    @property
    def eos_ids(self) -> set[int]:
        return set(self.tokenizer_info.eos_ids)

    def encode(self, text: str) -> list[int]:
        # tokenizer.json's post-processor adds BOS when the model wants it (TokenizerInfo.add_bos).
        return self.tokenizer.encode(text).ids

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    def chat_prompt(self, messages: list[dict]) -> str:
        """The rendered prompt text (for display); encode_chat gives the ids to run."""
        return self.tokenizer_info.render_chat(messages)

    def encode_chat(self, messages: list[dict]) -> list[int]:
        """Prompt ids for chat messages, where only the template can produce special tokens: control-token text
        inside a message is plain text, so no message can forge a turn (compiler/chat_template.ChatEncoder)."""
        if self._chat_encoder is None:
            from ..chat_template import ChatEncoder

            self._chat_encoder = ChatEncoder(self.tokenizer, self.tokenizer_info)
        return self._chat_encoder.encode(messages)
