"""Adapter and device acquisition for the native runtime (wgpu-py), shared by models and scenes.

One device per process: pipelines, buffers and bind groups are created once against it.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

# lavapipe prints an XDG warning on every Vulkan instance without this; harmless but noisy.
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

import wgpu  # noqa: E402

from ..errors import WebshardError  # noqa: E402


class NoAdapterError(WebshardError):
    """No WebGPU adapter: install a Vulkan driver (Debian: mesa-vulkan-drivers)."""


@dataclass(frozen=True)
class Gpu:
    adapter: object
    device: object
    name: str           # human name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
    adapter_type: str   # "CPU", "DiscreteGPU", ...
    features: frozenset
    backend: str = ""   # "Vulkan", "OpenGL", "Metal", ...
    info: dict = field(default_factory=dict, compare=False)   # wgpu's adapter info (vendor, device, ...)

    @property
    def description(self) -> str:
        """What variant rules match against: vendor, architecture, device, description and type, lowercased."""
        i = self.info
        return " ".join(str(i.get(k, "")) for k in ("vendor", "architecture", "device", "description")).lower() \
            + " " + self.adapter_type.lower()


def choose_variant(choice: dict, description: str, *, fallback: bool = False, available=None,
                   override: str | None = None) -> str:
    """The kernel variant by the manifest's `variant_choice` rules (runtime_js/device.js applies the same rules);
    `available` defaults to every variant this compiler makes."""
    if available is None:
        from ..kernels import VARIANTS

        available = VARIANTS
    if override:
        if override not in available:
            raise ValueError(f"kernel variant {override!r} is not in this artifact (it has: {', '.join(available)})")
        return override
    wanted = choice["fallback_adapter"] if fallback else next(
        (r["variant"] for r in choice["rules"] if re.search(r["match"], description.lower())), choice["default"])
    return wanted if wanted in available else sorted(available)[0]


# WebGPU feature names (what manifests and browsers say) -> wgpu-native's, where they differ.
NATIVE_FEATURES = {"subgroups": "subgroup"}


def has_features(gpu: Gpu, names) -> bool:
    """Whether the device was created with every WebGPU feature in `names`."""
    return all(NATIVE_FEATURES.get(n, n) in gpu.device.features for n in names)


def usable_variants(gpu: Gpu, manifest: dict | None) -> list[str]:
    """The artifact's kernel variants whose features this device has."""
    from ..kernels import VARIANT_FEATURES, VARIANTS

    m = manifest or {}
    names = sorted({v for k in m.get("kernels", {}).values() for v in k["variants"]}) or list(VARIANTS)
    needs = m.get("variant_features", VARIANT_FEATURES if not m else {})
    return [v for v in names if has_features(gpu, needs.get(v, []))]


def kernel_variant(gpu: Gpu, override: str | None = None, manifest: dict | None = None) -> str:
    """The kernel variant for this adapter: `override` (or WEBSHARD_VARIANT), else the manifest's rules."""
    from ..kernels import VARIANT_CHOICE

    override = override or os.environ.get("WEBSHARD_VARIANT") or None
    choice = (manifest or {}).get("variant_choice", VARIANT_CHOICE)
    return choose_variant(choice, gpu.description, override=override, available=usable_variants(gpu, manifest))


@functools.lru_cache(maxsize=None)
def get_gpu() -> Gpu:
    """The process-wide adapter and device, with the adapter's storage limits (we never ask beyond them)."""
    try:
        adapter = wgpu.gpu.request_adapter_sync(power_preference="high-performance")
    except RuntimeError as e:  # wgpu-py raises rather than returning None when no backend offers an adapter
        why = " ".join(str(e).split())[-200:]   # wgpu's text spans lines; the end says which backends failed
        raise NoAdapterError(f"no WebGPU adapter found (…{why}); install a Vulkan driver, "
                             f"e.g. Debian's mesa-vulkan-drivers") from None
    if adapter is None:
        raise NoAdapterError("no WebGPU adapter found (install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers)")
    lim = adapter.limits
    wanted = {
        k: lim[k]
        for k in (
            "max-storage-buffer-binding-size",
            "max-buffer-size",
            "max-storage-buffers-per-shader-stage",
            "max-compute-workgroup-storage-size",
            "max-compute-invocations-per-workgroup",
            "max-compute-workgroup-size-x",
        )
        if k in lim
    }
    feats = [f for f in ("shader-f16", "timestamp-query", "subgroup") if f in adapter.features]
    device = adapter.request_device_sync(required_features=feats, required_limits=wanted)
    info = adapter.info
    return Gpu(
        adapter=adapter,
        device=device,
        name=info.get("device") or info.get("description") or "unknown",
        adapter_type=info.get("adapter_type", ""),
        backend=info.get("backend_type", ""),
        features=frozenset(adapter.features),
        info=dict(info),
    )
