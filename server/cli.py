"""`webshard serve` (what `make serve` runs): build the defaults, load the native backend, run uvicorn.

compiler/cli.py dispatches the `serve` subcommand here (`serve_main(argv)`); `python -m server.cli` does the same.
The compiler modules are imported lazily: the server must start (static side at least) while they are missing.
"""
from __future__ import annotations

import argparse
import errno
import importlib
import logging
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Any

from server.access import is_loopback
from server.app import REPO_ROOT, ServerConfig, compiled_ids, create_app
from server.backend import NativeBackend

log = logging.getLogger("webshard.server")

DEFAULT_MODEL = "smollm2"
DEFAULT_ENCODER = "minilm"   # all-MiniLM-L6-v2, for /v1/embeddings and demos/search.html
DEFAULT_SCENE = ("cube", REPO_ROOT / "demos" / "cube_scene.py")
# Printed first, in this order; add a page here once it exists.
FEATURED_DEMOS = ("chat.html", "search.html", "cube.html", "swarm.html", "worker.html")
API_KEY_ENV = "WEBSHARD_API_KEY"  # an environment variable keeps the key out of `ps` listings
JOIN_TOKEN_ENV = "WEBSHARD_JOIN_TOKEN"


def serve_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webshard serve", description="Serve demos, artifacts and the OpenAI API.")
    # Security: loopback by default. Any other address exposes the GPU to that network, so /v1 then needs a key.
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--api-key", default=os.environ.get(API_KEY_ENV) or None, metavar="KEY",
                        help=f"require 'Authorization: Bearer KEY' on /v1 (default: ${API_KEY_ENV}; off loopback, "
                             "a random key is made and printed when none is given)")
    parser.add_argument("--artifacts", type=Path, default=None,
                        help="directory of compiled models, one sub-directory per model id (default: build/models)")
    parser.add_argument("--no-compile", action="store_true", help="serve what is built; compile nothing")
    parser.add_argument("--slots", type=int, default=None,
                        help="sequences each model decodes at once (default: as many as the KV-cache budget allows)")
    parser.add_argument("--max-queue", type=int, default=32,
                        help="requests that may wait for a slot; past that the API answers 429 (default 32)")
    swarm = parser.add_argument_group("swarm", "browser tabs (/demos/worker.html) and `webshard worker` processes "
                                               "running the default model together")
    swarm.add_argument("--no-swarm", action="store_true", help="no worker endpoint")
    swarm.add_argument("--swarm-only", action="store_true",
                       help="answer the API only through the swarm (503 until workers cover the model)")
    swarm.add_argument("--join-token", default=os.environ.get(JOIN_TOKEN_ENV) or None,
                       help=f"what workers must present (default: ${JOIN_TOKEN_ENV}, or a random one, printed)")
    swarm.add_argument("--swarm-slots", type=int, default=4, help="sequences each swarm pipeline holds (default 4)")
    swarm.add_argument("--verify-fraction", type=float, default=0.0,
                       help="fraction of worker steps the server re-runs natively to check them (default 0)")
    swarm.add_argument("--worker-origin", action="append", default=[],
                       help="another origin whose pages may join as workers (default: this server's own)")
    swarm.add_argument("--swarm-wire", choices=["f32", "f16"], default="f32",
                       help="activations between workers (default f32: see the README on f16)")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be in 1..65535, got {args.port}")
    if args.slots is not None and args.slots < 1:
        parser.error(f"--slots must be at least 1, got {args.slots}")
    if args.max_queue < 0:
        parser.error(f"--max-queue must be at least 0, got {args.max_queue}")
    if args.swarm_slots < 1:
        parser.error(f"--swarm-slots must be at least 1, got {args.swarm_slots}")
    if not 0.0 <= args.verify_fraction <= 1.0:
        parser.error(f"--verify-fraction must be in [0, 1], got {args.verify_fraction}")
    if args.api_key is not None and not (args.api_key.isascii() and args.api_key.isprintable()
                                         and args.api_key and " " not in args.api_key):
        # What a client can send in an HTTP header as is: visible ASCII, no spaces.
        parser.error(f"--api-key (or ${API_KEY_ENV}) must be visible ASCII characters without spaces")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")

    # Bind before compiling or loading anything: a taken port is then a one-line error in a second, not a
    # traceback after the model has been rebuilt and loaded.
    try:
        sock = bind_socket(args.host, args.port)
    except BindError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    loopback = is_loopback(args.host)
    api_key = args.api_key if args.api_key is not None or loopback else secrets.token_urlsafe(32)
    config = ServerConfig(artifacts_dir=args.artifacts.resolve() if args.artifacts else None,
                          loopback_only=loopback, api_key=api_key)
    try:
        if not args.no_compile:
            build_defaults(config)
        native = None if args.swarm_only else load_backend(config.models_dir, slots=args.slots,
                                                             max_queue=args.max_queue)
        # Encoders share the chat models' GPU thread: one thread drives the device.
        embedder = load_embedder(config.models_dir, loop=getattr(native, "gpu_loop", None))
        coordinator = swarm_backend = None
        token = args.join_token or secrets.token_urlsafe(16)
        if not args.no_swarm and (config.models_dir / DEFAULT_MODEL / "manifest.json").is_file():
            from server.swarm.backend import SwarmBackend
            from server.swarm.coordinator import Coordinator

            coordinator = Coordinator(config.models_dir / DEFAULT_MODEL, token=token, slots=args.swarm_slots,
                                      verify_fraction=args.verify_fraction, wire=args.swarm_wire,
                                      origins=tuple(args.worker_origin))
            swarm_backend = SwarmBackend(coordinator, max_queue=args.max_queue)
        backend = native
        if swarm_backend is not None:
            from server.swarm.backend import RoutingBackend

            backend = RoutingBackend(native, swarm_backend, swarm_only=args.swarm_only)
        app = create_app(config, backend, embedder, swarm=coordinator)
    except BaseException:
        sock.close()
        raise
    print_urls(args.host, args.port, config, native, embedder)
    print_access(loopback, api_key, generated=args.api_key is None)
    if coordinator is not None:
        base = url_base(args.host, args.port)
        print(f"webshard: swarm join token: {token}  (tabs: {base}/demos/worker.html?token={token} ; "
              f"native: webshard worker --server {base} --token {token})", flush=True)

    import uvicorn  # here, so `--help` stays fast

    uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="info")).run(sockets=[sock])
    return 0


class BindError(Exception):
    """The address cannot be bound; the message is the one line the user sees."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound (not yet listening) to host:port, as uvicorn would bind it; BindError says why not."""
    host = host.removeprefix("[").removesuffix("]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # uvicorn's own rule (uvicorn.Config.bind_socket)
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: lets a restarted server reuse a port whose old connections linger in TIME_WAIT; on Linux it
    # does not let two servers listen on one port.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        where = f"port {port} on {host}"
        if e.errno == errno.EADDRINUSE:
            raise BindError(f"{where} is already in use (another webshard serve?); stop it or pick --port") from None
        if e.errno == errno.EACCES:
            raise BindError(f"{where}: permission denied (ports below 1024 need root); pick --port") from None
        if e.errno == errno.EADDRNOTAVAIL or isinstance(e, socket.gaierror):
            raise BindError(f"--host {host}: not an address of this machine") from None
        raise BindError(f"cannot bind {where}: {e.strerror or e}") from None
    return sock


def print_access(loopback: bool, api_key: str | None, *, generated: bool) -> None:
    """One line on who may use /v1, with the key when it was made here (nobody else can tell the user)."""
    if api_key is None:
        line = "/v1 is open to this machine only (no API key; requests must name a loopback host)"
    elif generated:
        line = f"/v1 needs 'Authorization: Bearer <key>' with this key: {api_key}"
    else:
        line = f"/v1 needs 'Authorization: Bearer <key>' with the key from --api-key or ${API_KEY_ENV}"
    where = "" if loopback else "; demos and artifacts are public to the network"
    print(f"webshard: {line}{where}", flush=True)


def build_defaults(config: ServerConfig) -> None:
    """The default model when it is missing or stale, and the cube scene, always.

    The model takes seconds to compile, so compiler.build.ensure_default_model rebuilds it only when its build key
    says it is stale: another format, compiler sources or model file (and it prints which). A model compiled by hand
    into build/models/smollm2 carries no key and is rebuilt too; serve it with --no-compile. The scene takes
    milliseconds, so it is compiled on every start: a scene.json left by an older compiler is never served.
    """
    ensure_default_model = optional_import("compiler.build", "ensure_default_model")
    if ensure_default_model is not None:
        ensure_default_model(config.models_dir / DEFAULT_MODEL)
    ensure_default_encoder = optional_import("compiler.encoder", "ensure_default_encoder")
    if ensure_default_encoder is not None:
        ensure_default_encoder(config.models_dir / DEFAULT_ENCODER)
    scene_id, source = DEFAULT_SCENE
    out_dir = config.scenes_root / scene_id
    compile_scene_file = optional_import("compiler.scene.lower", "compile_scene_file")
    if compile_scene_file is None:
        return
    if not source.is_file():
        log.warning("scene source %s is missing: /scenes/%s/ will answer 404", source, scene_id)
        return
    log.info("compiling scene %s -> %s", source, out_dir)
    compile_scene_file(str(source), out_dir)


def is_encoder_dir(d: Path) -> bool:
    """Whether the artifact in `d` is an encoder (its plan ends with a pool unit), read without validating it."""
    import json

    try:
        return json.loads((d / "manifest.json").read_text())["plan"]["units"][-1]["role"] == "pool"
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return False


def load_embedder(models_dir: Path, *, loop=None):
    """Every compiled encoder under models_dir (server/embeddings.py), on `loop` (the chat models' GPU thread) or a
    thread of its own; None when there is none (then /v1/embeddings answers 503)."""
    dirs = [models_dir / m for m in compiled_ids(models_dir, "manifest.json") if is_encoder_dir(models_dir / m)]
    if not dirs or optional_import("compiler.native.encoder", "Encoder") is None:
        return None
    from compiler.native.gpu import NoAdapterError
    from server.embeddings import EmbeddingBackend

    try:
        embedder = EmbeddingBackend.load(dirs, loop=loop)
    except NoAdapterError as e:
        log.warning("native embeddings disabled, %s", e)
        return None
    log.info("embeddings ready: %s", ", ".join(embedder.model_ids()))
    return embedder


def load_backend(models_dir: Path, *, slots: int | None = None, max_queue: int = 32) -> NativeBackend | None:
    """Every compiled model under models_dir in the native runtime, or None (then /v1 completions answer 503).
    Encoders are left to load_embedder."""
    model_dirs = [models_dir / m for m in compiled_ids(models_dir, "manifest.json") if not is_encoder_dir(models_dir / m)]
    if not model_dirs:
        log.warning("no compiled model in %s: the OpenAI API will answer 503", models_dir)
        return None
    if optional_import("compiler.native.model", "Model") is None:
        return None
    from compiler.native.gpu import NoAdapterError

    try:
        backend = NativeBackend.load(model_dirs, slots=slots, max_queue=max_queue)
    except NoAdapterError as e:
        log.warning("native inference disabled, %s; static files are still served", e)
        return None
    log.info("native backend ready: %s", ", ".join(f"{m} ({backend.slots(m)} slots)" for m in backend.model_ids()))
    return backend


def optional_import(module: str, attr: str) -> Any | None:
    """module.attr, or None with a log line when that module (not one of its dependencies) does not exist yet."""
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as e:
        if e.name is None or not (module == e.name or module.startswith(e.name + ".")):
            raise  # the module exists but a dependency of it is missing: a real error, not "not written yet"
        log.warning("%s is not available (%s): skipping what needs %s", module, e, attr)
    except AttributeError:
        log.warning("%s has no %s: skipping", module, attr)
    return None


def url_base(host: str, port: int) -> str:
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # a wildcard bind is reachable on loopback; print a URL that can be clicked
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def print_urls(host: str, port: int, config: ServerConfig, backend: NativeBackend | None, embedder=None) -> None:
    base = url_base(host, port)
    demos = {p.name for p in (config.root / "demos").glob("*.html")}
    ordered = [d for d in FEATURED_DEMOS if d in demos] + sorted(demos - set(FEATURED_DEMOS))
    print(f"webshard: serving on {base}/", flush=True)
    for demo in ordered:
        print(f"  {base}/demos/{demo}")
    ids = (backend.model_ids() if backend else []) + (embedder.model_ids() if embedder else [])
    models = ", ".join(ids) if ids else "none loaded"
    print(f"  {base}/v1  (OpenAI-compatible; models: {models})", flush=True)


if __name__ == "__main__":
    sys.exit(serve_main(sys.argv[1:]))
