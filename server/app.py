"""The Starlette application: one URL space for the browser side (static files) and the OpenAI API.

`webshard serve` (server/cli.py) builds a `ServerConfig` and a backend and calls `create_app`; tests call it with a
temporary root and a fake backend. URL contract (demos and runtime_js depend on it):
  /                                  index: demos and served models
  /demos/<file>, /runtime_js/<file>  the browser runtime and its pages
  /vendor/<package>/<path>           node_modules, restricted to package.json's dependencies
  /artifacts/<model-id>/<path>       compiled model (build/models/<model-id>/), manifest.json at its top
  /scenes/<scene-id>/<path>          compiled scene (build/scenes/<scene-id>/)
  /v1/...                            OpenAI-compatible API (server/openai_api.py), behind an API key when set
"""
from __future__ import annotations

import contextlib
import html
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from server import openai_api
from server.access import ApiKeyMiddleware, LoopbackHostMiddleware
from server.backend import Backend
from server.static import serve_file

# The package is installed editable (`pip install -e .`), so the checkout is one level up; `webshard serve` then
# serves the same files wherever it is started from.
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerConfig:
    root: Path = REPO_ROOT  # holds demos/, runtime_js/, node_modules/ and package.json
    artifacts_dir: Path | None = None  # compiled models; default <root>/build/models
    scenes_dir: Path | None = None  # compiled scenes; default <root>/build/scenes
    # Answer only Host headers that name a loopback address or localhost (server/access.py says why).
    # `webshard serve` sets it when bound to a loopback address.
    loopback_only: bool = False
    # When set, /v1 needs `Authorization: Bearer <api_key>`. `webshard serve` always sets it off loopback.
    api_key: str | None = field(default=None, repr=False)  # kept out of reprs, hence out of logs and tracebacks

    @property
    def models_dir(self) -> Path:
        return self.artifacts_dir or self.root / "build" / "models"

    @property
    def scenes_root(self) -> Path:
        return self.scenes_dir or self.root / "build" / "scenes"


def vendor_packages(root: Path) -> tuple[str, ...]:
    """The npm packages pages may import: package.json's dependencies (not every tool that lands in node_modules)."""
    manifest = root / "package.json"
    if not manifest.is_file():
        return ()
    return tuple(json.loads(manifest.read_text(encoding="utf-8")).get("dependencies", {}))


def compiled_ids(directory: Path, marker: str | None = None) -> list[str]:
    """Names of the artifact directories under `directory` (those holding `marker`, when given)."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (marker is None or (p / marker).is_file()))


def create_app(config: ServerConfig, backend: Backend | None = None, embedder=None, swarm=None) -> Starlette:
    """The app; without a backend the static side works and the /v1 completion routes answer 503. `embedder`
    (server/embeddings.py EmbeddingBackend) serves /v1/embeddings; without one that route answers 503. With a swarm
    coordinator (server/swarm/), workers join at /ws/worker and /v1/swarm reports its state."""
    packages = vendor_packages(config.root)

    async def index(request: Request) -> Response:
        demos = sorted(p.name for p in (config.root / "demos").glob("*.html"))
        models = sorted(set(compiled_ids(config.models_dir, "manifest.json"))
                        | set(backend.model_ids() if backend else []) | set(embedder.model_ids() if embedder else []))
        scenes = compiled_ids(config.scenes_root)
        return HTMLResponse(render_index(demos, models, scenes))

    async def demos(request: Request) -> Response:
        return serve_file(request, config.root / "demos", request.path_params["path"])

    async def runtime_js(request: Request) -> Response:
        return serve_file(request, config.root / "runtime_js", request.path_params["path"])

    async def vendor(request: Request) -> Response:
        path = request.path_params["path"]
        if not any(path.startswith(p + "/") for p in packages):
            return PlainTextResponse("Not Found", status_code=404)
        return serve_file(request, config.root / "node_modules", path)

    # Requests per artifact file, in app.state.request_counts. A browser test reloads a page and checks that no
    # shard was requested again: the proof that the immutable cache headers work end to end (a 304 still counts, as
    # it still costs a round trip). Only paths that name an existing file are counted: keyed by whatever URLs
    # clients make up, the table would grow for as long as the server runs.
    counts: Counter = Counter()

    async def artifacts(request: Request) -> Response:
        model_id, path = request.path_params["model_id"], request.path_params["path"]
        # Shards are content-addressed (the manifest carries their sha256): cache them forever.
        response = serve_file(request, config.models_dir, f"{model_id}/{path}",
                              immutable=path.endswith(".safetensors"))
        if response.status_code != 404:
            counts[request.scope["path"]] += 1
        return response

    async def scenes(request: Request) -> Response:
        scene_id, path = request.path_params["scene_id"], request.path_params["path"]
        return serve_file(request, config.scenes_root, f"{scene_id}/{path}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        if backend is not None:
            backend.close()
        if embedder is not None:
            embedder.close()

    app = Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/demos/{path:path}", demos, methods=["GET"]),
            Route("/runtime_js/{path:path}", runtime_js, methods=["GET"]),
            Route("/vendor/{path:path}", vendor, methods=["GET"]),
            Route("/artifacts/{model_id}/{path:path}", artifacts, methods=["GET"]),
            Route("/scenes/{scene_id}/{path:path}", scenes, methods=["GET"]),
            *(swarm_routes(swarm) if swarm is not None else []),
            *openai_api.routes,
        ],
        lifespan=lifespan,
        # The host check runs first: a rebinding page learns nothing, not even whether a key is needed.
        middleware=([Middleware(LoopbackHostMiddleware)] if config.loopback_only else [])
        + ([Middleware(ApiKeyMiddleware, api_key=config.api_key)] if config.api_key is not None else []),
    )
    app.state.request_counts = counts
    app.state.backend = backend
    app.state.swarm = swarm
    app.state.embedder = embedder
    app.state.config = config
    app.state.started_at = time.time()
    return app


def swarm_routes(swarm) -> list:
    """The worker WebSocket (guarded by the join token and the origin check) and the swarm's state as JSON."""
    from starlette.responses import JSONResponse
    from starlette.routing import WebSocketRoute

    async def status(request: Request) -> Response:
        swarm.ensure_started()
        return JSONResponse(swarm.status())

    return [WebSocketRoute("/ws/worker", swarm.serve), Route("/v1/swarm", status, methods=["GET"])]


def render_index(demos: list[str], models: list[str], scenes: list[str]) -> str:
    def items(entries: list[tuple[str | None, str]], empty: str) -> str:
        if not entries:
            return f"<p>{empty}</p>"
        return "<ul>" + "".join(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>' if href
                                else f"<li>{html.escape(text)}</li>" for href, text in entries) + "</ul>"

    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>webshard</title></head><body>',
        "<h1>webshard</h1>",
        "<h2>Demos</h2>", items([(f"/demos/{d}", d) for d in demos], "No demos found."),
        "<h2>Models</h2>", items([(f"/artifacts/{m}/manifest.json", m) for m in models],
                                  "No compiled model (run <code>webshard serve</code> to build the default one)."),
        "<h2>Scenes</h2>", items([(None, s) for s in scenes], "No compiled scene."),
        '<p>OpenAI-compatible API: <a href="/v1/models">/v1/models</a>, POST /v1/chat/completions, '
        "POST /v1/completions, POST /v1/embeddings.</p>",
        "</body></html>",
    ])
