"""Set-up step run by `make setup`: make sure a WebGPU adapter and Chromium exist on this machine.

Installs Debian packages only when we are root and the thing is missing; otherwise prints what to do.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys


def find_adapter() -> str | None:
    """Return a description of the adapter wgpu-py picks, or None when there is none."""
    # A subprocess keeps a crashing Vulkan loader from taking `make` down with it.
    # Vulkan only: wgpu falls back to Mesa's GL llvmpipe when no Vulkan driver exists, which is not what CI
    # tests (and naga's GLSL path rejects some valid WGSL).
    code = (
        "import wgpu\n"
        "try:\n"
        "    a = wgpu.gpu.request_adapter_sync(power_preference='high-performance')\n"
        "except RuntimeError:\n"
        "    a = None\n"
        "print(a.info['device'] if a and a.info.get('backend_type') == 'Vulkan' else '')\n"
    )
    env = dict(os.environ, XDG_RUNTIME_DIR=os.environ.get("XDG_RUNTIME_DIR", "/tmp"))
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        return None
    name = out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout.strip() else ""
    return name or None


_apt_updated = False


def apt_install(*packages: str) -> None:
    global _apt_updated
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _apt_updated:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        _apt_updated = True
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--install", action="store_true", help="apt-get install what is missing (root only)")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--python-venv", action="store_true", help="only install Debian's python3-venv (root)")
    args = ap.parse_args()
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    if args.python_venv:
        if not root:
            print("setup: `python3 -m venv` failed; install python3-venv (Debian: apt-get install python3-venv)")
            return 1
        print("setup: installing python3-venv (Debian's python3 ships without ensurepip)")
        apt_install("python3-venv")
        return 0
    ok = True

    adapter = find_adapter()
    if adapter is None and args.install and root:
        print("setup: no WebGPU adapter found; installing mesa-vulkan-drivers (lavapipe)")
        apt_install("mesa-vulkan-drivers")
        adapter = find_adapter()
    if adapter is None:
        print("setup: no WebGPU adapter found. Install a Vulkan driver (Debian: apt-get install mesa-vulkan-drivers).")
        ok = False
    else:
        print(f"setup: WebGPU adapter: {adapter}")

    if not shutil.which(args.chromium) and args.install and root:
        print("setup: Chromium missing; installing Debian's chromium (browser tests and demos)")
        apt_install("chromium")
    if shutil.which(args.chromium):
        print(f"setup: browser: {args.chromium}")
    else:
        # Not fatal: native work needs no browser; the browser tests fail in CI (and skip elsewhere) without it.
        print(f"setup: {args.chromium} not found. Install Chromium (Debian: apt-get install chromium) for browser tests.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
