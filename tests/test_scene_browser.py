"""demos/cube.html + runtime_js/scene.js in headless Chromium (SwiftShader WebGPU).

The page draws something, animates, agrees with the native renderer at a frozen t (face colours, background,
silhouette), computes the same MVP as numpy (tests/fixtures/cube_mvp.json), and explains a missing WebGPU.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from compiler.scene import math3d
from compiler.scene.artifact import read_artifact
from compiler.scene.lower import compile_scene, load_scene_file
from tests.browser import chromium_browser
from tests.static_site import serve, static_app
from tests.test_scene_math import load_fixture
from tests.test_scene_render import GOLDEN, GOLDEN_SIZE, GOLDEN_T, face_samples

ROOT = Path(__file__).resolve().parents[1]
READY = "() => window.__sceneReady === true || window.__sceneError !== undefined"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cube(tmp_path_factory):
    scenes = tmp_path_factory.mktemp("scenes")
    scene = load_scene_file(ROOT / "demos" / "cube_scene.py")
    return scene, read_artifact(compile_scene(scene, scenes / "cube")), scenes


@pytest.fixture(scope="module")
def site(cube):
    with serve(static_app(cube[2])) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": GOLDEN_SIZE, "height": GOLDEN_SIZE}, device_scale_factor=1)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"uncaught page errors: {errors}"


def open_cube(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=30_000)
    error = page.evaluate("window.__sceneError")
    assert error is None, f"page failed: {error}"


def canvas_pixels(page) -> np.ndarray:
    from PIL import Image

    page.add_style_tag(content="#hud { display: none; }")  # the FPS overlay is not part of the scene
    png = page.locator("#canvas").screenshot()
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(np.int16)


def patch(img: np.ndarray, x: int, y: int, r: int = 2) -> np.ndarray:
    return img[y - r: y + r + 1, x - r: x + r + 1].reshape(-1, 3).mean(axis=0)


def test_frozen_frame_matches_native_render(page, site, cube):
    from PIL import Image

    scene, artifact, _ = cube
    open_cube(page, f"{site}/demos/cube.html?t={GOLDEN_T}")
    assert page.evaluate("(c => [c.width, c.height])(document.getElementById('canvas'))") == [GOLDEN_SIZE, GOLDEN_SIZE]
    web = canvas_pixels(page)
    native = np.asarray(Image.open(GOLDEN).convert("RGB")).astype(np.int16)
    assert web.shape == native.shape

    bg = np.round(np.asarray(artifact.scene_json["background"][:3]) * 255)
    is_cube = np.abs(web - bg).max(axis=2) > 8
    assert 0.1 < is_cube.mean() < 0.7, "canvas is blank or filled"

    # Face colours: the centre of every face turned towards the camera.
    samples = face_samples(scene, artifact.scene_json, GOLDEN_T, GOLDEN_SIZE, GOLDEN_SIZE)
    assert len(samples) >= 2
    for face, (x, y), colour in samples:
        np.testing.assert_allclose(patch(web, x, y), patch(native, x, y), atol=3, err_msg=f"face {face}")
    # Background: a corner away from the cube.
    np.testing.assert_allclose(patch(web, GOLDEN_SIZE - 6, GOLDEN_SIZE - 6), bg, atol=2)
    # Silhouette: a few pixels beyond the topmost projected corner is background in both; the masks agree.
    mvp = math3d.model_view_projection(artifact.scene_json, GOLDEN_T, 1.0)
    corners = math3d.project_to_pixels(mvp, scene.drawables[0].mesh.positions, GOLDEN_SIZE, GOLDEN_SIZE)
    top = corners[np.argmin(corners[:, 1])]
    x, y = int(top[0]), int(top[1]) - 5
    np.testing.assert_allclose(patch(web, x, y, 1), bg, atol=2)
    np.testing.assert_allclose(patch(native, x, y, 1), bg, atol=2)
    native_cube = np.abs(native - bg).max(axis=2) > 8
    assert (is_cube != native_cube).mean() < 0.01, "silhouettes differ"


def test_animation_changes_the_frame(page, site):
    open_cube(page, f"{site}/demos/cube.html")
    first = canvas_pixels(page)
    frame = page.evaluate("window.__sceneFrame")
    page.wait_for_function(f"window.__sceneFrame > {frame} + 2", timeout=10_000)
    page.wait_for_timeout(300)
    second = canvas_pixels(page)
    changed = np.abs(first - second).max(axis=2) > 8
    assert changed.mean() > 0.01, "two frames at different times are equal"
    assert "fps" in page.locator("#hud").text_content()


def test_canvas_follows_resize_and_device_pixel_ratio(browser, site):
    ctx = browser.new_context(viewport={"width": 160, "height": 120}, device_scale_factor=2)
    try:
        pg = ctx.new_page()
        open_cube(pg, f"{site}/demos/cube.html?t=1")
        size = "(c => [c.width, c.height])(document.getElementById('canvas'))"
        assert pg.evaluate(size) == [320, 240]
        pg.set_viewport_size({"width": 100, "height": 140})
        pg.wait_for_function(f"{size}.join() === '200,280'", timeout=10_000)
    finally:
        ctx.close()


def test_js_mvp_matches_numpy_fixture(page, site):
    open_cube(page, f"{site}/demos/cube.html?t=0")
    cases = load_fixture()["cases"]
    got = page.evaluate(
        """async (cases) => {
            const m = await import('/runtime_js/scene.js');
            const json = await (await fetch('/scenes/cube/scene.json')).json();
            return cases.map((c) => Array.from(m.modelViewProjection(json, c.t, c.aspect)));
        }""",
        [{"t": c["t"], "aspect": c["aspect"]} for c in cases],
    )
    for case, mvp in zip(cases, got):
        np.testing.assert_allclose(mvp, case["mvp"], atol=1e-5, err_msg=f"t={case['t']} aspect={case['aspect']}")


@pytest.mark.parametrize("init_script, expected", [
    ("delete Navigator.prototype.gpu;", "does not offer WebGPU"),
    ("GPU.prototype.requestAdapter = async () => null;", "no usable graphics adapter"),
], ids=["no-api", "no-adapter"])
def test_missing_webgpu_shows_a_human_message(browser, site, init_script, expected):
    ctx = browser.new_context(viewport={"width": 400, "height": 300})
    try:
        ctx.add_init_script(init_script)
        pg = ctx.new_page()
        pg.goto(f"{site}/demos/cube.html")
        alert = pg.get_by_role("alert")
        alert.wait_for(state="visible", timeout=10_000)
        assert "WebGPU is not available" in alert.text_content()
        assert expected in alert.text_content()
    finally:
        ctx.close()


def test_insecure_context_message(page, site):
    page.goto(f"{site}/demos/cube.html?t=0")
    reason, message = page.evaluate("""async () => {
        const m = await import('/runtime_js/webgpu_check.js');
        const e = m.webGpuApiProblem({ navigator: {}, isSecureContext: false });
        return [e.reason, e.message];
    }""")
    assert reason == "insecure-context" and "https://" in message
