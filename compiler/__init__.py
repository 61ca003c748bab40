"""webshard compiler: model file -> IR -> passes -> WGSL kernels -> artifact, plus the native (wgpu-py) runtime."""

__version__ = "0.1.0"
