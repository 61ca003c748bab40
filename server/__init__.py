"""webshard server: static files for the browser runtime plus an OpenAI-compatible API over a pluggable backend.

Data flow: browser -> server.static (demos, runtime_js, vendor modules, artifacts with cache headers);
OpenAI client -> server.openai_api -> server.openai_schema (validation) -> server.backend (native runtime or,
later, a browser swarm) -> server.textstream (token ids -> text). server.app wires both; server.cli runs it.
"""
