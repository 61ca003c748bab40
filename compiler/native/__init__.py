"""The native runtime: compiled artifacts on this machine's GPU through wgpu-py, the Python twin of runtime_js/.

artifact (compiler.artifact) -> stages (stage.py: any contiguous unit range, S sequence slots) -> the generation
loop (engine.py: chunked prefill, batched decode with lookahead, KV-prefix reuse per slot) -> Model (model.py),
the CLI and the server. Only this subpackage imports wgpu; batch.py, wire.py and engine.py do not, so the server
and the swarm coordinator can use them without an adapter. Nothing under compiler/ outside it imports it.
"""
