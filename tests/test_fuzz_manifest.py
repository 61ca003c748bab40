"""Fuzz: mutated manifests, checked by the native validator (compiler/manifest.py) and by the browser's
(runtime_js/manifest.js). Each must either accept a mutation or reject it with its own clear error (ArtifactError
naming a field), never crash with anything else. Mutations come from Hypothesis: a path into a real manifest, then
a deletion or a replacement by a JSON value of any type."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz_settings import FUZZ

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12) | st.sampled_from(["T", "O", "S", "C", "../x", "embed", "layer", "f32", "u32"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    from compiler.build import compile_model
    from compiler.importers import load_model
    from tests.tiny_models import make_tiny_llama

    d = tmp_path_factory.mktemp("fuzz-manifest")
    return compile_model(load_model(make_tiny_llama(d)), d / "art", model_id="tiny", max_context=32, max_tokens=4,
                         progress=False)


def paths(value, prefix=()):
    """Every path into a JSON value, containers and leaves (kernel sources and long lists trimmed)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:4]):
            yield from paths(v, prefix + (i,))


@st.composite
def mutations(draw, manifest):
    all_paths = [p for p in paths(manifest) if p]
    path = draw(st.sampled_from(all_paths))
    return path, draw(st.one_of(st.just(("delete",)), JSON_VALUES.map(lambda v: ("set", v))))


def mutate(manifest: dict, mutation) -> dict:
    path, op = mutation
    m = json.loads(json.dumps(manifest))
    node = m
    for key in path[:-1]:
        node = node[key]
    if op[0] == "delete":
        del node[path[-1]]
    else:
        node[path[-1]] = op[1]
    return m


def test_native_validator_accepts_or_names_the_field(manifest):
    from compiler.errors import ArtifactError
    from compiler.manifest import validate_manifest

    @settings(FUZZ, suppress_health_check=[HealthCheck.too_slow])
    @given(mutations(manifest))
    def check(mutation):
        try:
            validate_manifest(mutate(manifest, mutation), "manifest.json")
        except ArtifactError as e:
            assert str(e).startswith("manifest.json: "), e

    check()


@pytest.mark.browser
def test_browser_validator_accepts_or_names_the_field(manifest, gpu, tmp_path):
    """The same kind of mutations, drawn here and checked in one page: only ArtifactError may come out."""
    from tests.browser import chromium_browser
    from tests.static_site import serve, static_app

    drawn = []

    @settings(FUZZ, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(mutations(manifest))
    def collect(mutation):
        drawn.append(mutate(manifest, mutation))

    collect()
    # No scenes are needed; an empty directory, since build/ exists only after `make serve` (not on a fresh checkout).
    with serve(static_app(tmp_path)) as url, chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{url}/demos/")   # any page of ours: the module is imported by URL
        got = page.evaluate("""async (cases) => {
          const { validateManifest } = await import('/runtime_js/manifest.js');
          return cases.map((m) => {
            try { validateManifest(m, 'manifest.json'); return 'ok'; }
            catch (e) { return `${e.name}: ${e.message}`; }
          });
        }""", drawn)
    bad = [g for g in got if g != "ok" and not g.startswith("ArtifactError: manifest.json: ")]
    assert not bad, bad[:3]
