"""User-facing errors. The CLI prints `error: <message>` for these (traceback only with --debug)."""


class WebshardError(Exception):
    """A problem with the user's input (file, tensor, field, limit), described in one line."""


class ModelFormatError(WebshardError):
    """A model file is truncated, corrupt, or uses something we do not support."""


class ArtifactError(WebshardError):
    """A compiled artifact is missing, from another format version, or fails its integrity check."""


class LimitError(WebshardError):
    """A request exceeds a compiled limit (context length, tokens per step)."""


class TokenizerError(ModelFormatError, ValueError):
    """A tokenizer source (GGUF metadata, HF files, manifest entry) is missing a field or is malformed."""
