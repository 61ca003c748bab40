"""The WebGPU limits a stage needs, checked against the device before anything is created.

manifest + unit range + slots -> **needed_limits** -> check_limits(device limits) -> a LimitError naming the limit,
what needs it, and both values. runtime_js/device.js computes the same figures (neededLimits) and requests exactly
them from the browser; natively the process-wide device (gpu.py) is created with the adapter's maxima, since one
device serves every artifact the process loads, so here the figures are a check rather than a request. No wgpu here.
"""
from __future__ import annotations

from ..errors import LimitError
from ..kernels import workgroups
from ..manifest import tiled_entries

# WebGPU's camelCase names (what the manifest and the browser use) -> wgpu-py's kebab-case keys.
WGPU_NAMES = {
    "maxStorageBufferBindingSize": "max-storage-buffer-binding-size",
    "maxBufferSize": "max-buffer-size",
    "maxStorageBuffersPerShaderStage": "max-storage-buffers-per-shader-stage",
    "maxComputeWorkgroupStorageSize": "max-compute-workgroup-storage-size",
    "maxComputeInvocationsPerWorkgroup": "max-compute-invocations-per-workgroup",
    "maxComputeWorkgroupSizeX": "max-compute-workgroup-size-x",
    "maxComputeWorkgroupSizeY": "max-compute-workgroup-size-y",
    "maxComputeWorkgroupSizeZ": "max-compute-workgroup-size-z",
    "maxComputeWorkgroupsPerDimension": "max-compute-workgroups-per-dimension",
    "maxUniformBufferBindingSize": "max-uniform-buffer-binding-size",
}


def buffer_bytes(manifest: dict, name: str, slots: int, outputs: int | None = None) -> int:
    """Bytes of buffer `name` for a stage of `slots` slots (`outputs` per step, default min(slots, rows))."""
    lim = manifest["limits"]
    rows = lim["max_tokens_per_step"]
    sizes = {"T": rows, "O": outputs or min(slots, rows), "S": slots, "C": lim["max_context"]}
    n = 4
    for d in manifest["buffers"][name]["shape"]:
        n *= sizes[d] if isinstance(d, str) else int(d)
    return n


def needed_limits(manifest: dict, variant: str, units: list[str], slots: int,
                  outputs: int | None = None) -> dict[str, tuple[int, str]]:
    """limit name -> (value needed, why) for running `units` with `slots` slots and kernel `variant`."""
    out: dict[str, tuple[int, str]] = {}

    def need(limit: str, value: int, why: str) -> None:
        if limit not in out or value > out[limit][0]:
            out[limit] = (int(value), why)

    wanted = set(units)
    rows = manifest["limits"]["max_tokens_per_step"]
    n_out = outputs or min(slots, rows)
    for unit in manifest["plan"]["units"]:
        if unit["name"] not in wanted:
            continue
        for d in unit["dispatches"]:
            for name in d["bind"].values():
                if name in manifest["weights"]:
                    size = -(-manifest["weights"][name]["bytes"] // 4) * 4
                else:
                    size = buffer_bytes(manifest, name, slots, n_out)
                # The whole buffer is bound, so the binding is as large as the buffer.
                need("maxStorageBufferBindingSize", size, f'buffer "{name}" is bound whole')
                need("maxBufferSize", size, f'buffer "{name}"')
            kernel = manifest["kernels"][d["kernel"]]
            storage = sum(1 for b in kernel["bindings"] if b["type"] != "uniform")
            need("maxStorageBuffersPerShaderStage", storage, f"kernel {d['kernel']} binds {storage} storage buffers")
            entry = kernel["variants"][variant]
            for v in [entry, *tiled_entries(entry)]:
                need("maxComputeWorkgroupStorageSize", v["workgroup_bytes"], f"kernel {d['kernel']} ({variant})")
                x, y, z = v["workgroup_size"]
                need("maxComputeInvocationsPerWorkgroup", x * y * z, f"kernel {d['kernel']} ({variant})")
                need("maxComputeWorkgroupSizeX", x, f"kernel {d['kernel']} ({variant})")
                need("maxComputeWorkgroupSizeY", y, f"kernel {d['kernel']} ({variant})")
                need("maxComputeWorkgroupSizeZ", z, f"kernel {d['kernel']} ({variant})")
                for dim in workgroups(v["dispatch"], rows, n_out):
                    need("maxComputeWorkgroupsPerDimension", dim, f"kernel {d['kernel']} ({variant})")
    need("maxUniformBufferBindingSize", manifest["params"]["bytes"], "the Params uniform")
    return out


def check_limits(needs: dict[str, tuple[int, str]], available: dict, adapter: str) -> None:
    """Raise LimitError for the first limit the device offers less of than needed (wgpu-py or WebGPU names)."""
    for limit, (value, why) in needs.items():
        have = available.get(WGPU_NAMES.get(limit, limit), available.get(limit))
        if have is None:
            continue   # a limit this implementation does not report: nothing to check
        if value > have:
            raise LimitError(f"this model needs the WebGPU limit {limit} = {value} ({why}), but the adapter "
                             f'"{adapter}" offers only {have}; load fewer slots or compile with smaller limits')
