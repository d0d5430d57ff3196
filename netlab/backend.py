"""The array backend: numpy on the CPU, cupy on CUDA devices.

This is the only module that imports cupy. Everything else asks it for the array
module of an array (``xp = get_array_module(a)``) or moves arrays between devices.
"""

from __future__ import annotations

import os
import sys

import numpy as np

_cupy = None
_cupy_checked = False


def _load_cupy():
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy

            if cupy.cuda.runtime.getDeviceCount() > 0:
                _cupy = cupy
        except Exception:  # no cupy, no driver or no device: CPU only
            _cupy = None
    return _cupy


def cuda_is_available() -> bool:
    """True when cupy is installed and sees at least one CUDA device."""
    return _load_cupy() is not None


def cuda_device_count() -> int:
    cp = _load_cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


class device:
    """A device: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``, ``device("cuda", 1)``.

    Examples
    --------
    >>> device("cuda:0").index
    0
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int):
            self.type, self.index = "cuda", type
            return
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        if ":" in type:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type}")
        if type == "cpu" and index not in (None, 0):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {index}")
        self.type, self.index = type, index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def as_device(d) -> device:
    if d is None:
        return CPU
    return d if isinstance(d, device) else device(d)


def is_cupy_array(a) -> bool:
    return _cupy is not None and isinstance(a, _cupy.ndarray)


def get_array_module(a):
    """numpy for host arrays and scalars, cupy for device arrays."""
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return _cupy
    return np


def xp_for(dev: device):
    """The array module that holds arrays on ``dev``."""
    if dev.type == "cpu":
        return np
    cp = _load_cupy()
    if cp is None:
        raise RuntimeError("Torch not compiled with CUDA enabled: netlab found no cupy or no "
                           "CUDA device (install netlab[gpu] on a machine with an NVIDIA GPU)")
    return cp


def device_of(a) -> device:
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return device("cuda", a.device.id)
    return CPU


def to_device(a, dev: device):
    """Move (or copy) an array to ``dev``; returns ``a`` itself when it is already there."""
    if dev.type == "cpu":
        if _cupy is not None and isinstance(a, _cupy.ndarray):
            return _cupy.asnumpy(a)
        return a
    cp = xp_for(dev)
    idx = dev.index or 0
    if isinstance(a, cp.ndarray) and a.device.id == idx:
        return a
    with cp.cuda.Device(idx):
        return cp.asarray(a)


def to_numpy(a) -> np.ndarray:
    if _cupy is not None and isinstance(a, _cupy.ndarray):
        return _cupy.asnumpy(a)
    return np.asarray(a)


def device_context(dev: device):
    """A context that makes ``dev`` current for cupy allocations (a no-op on the CPU)."""
    if dev.type == "cpu":
        return _NullContext()
    return xp_for(dev).cuda.Device(dev.index or 0)


class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _tune_host_allocator() -> None:
    """Keep freed array memory in the process instead of handing it back to the OS.

    A training step allocates and frees the same large arrays every time; with glibc's
    defaults each one is a fresh mmap whose pages fault in again (measured: a LeNet step
    12.7 ms -> 9.8 ms with these settings). Set NETLAB_DEFAULT_MALLOC=1 to opt out.
    """
    if not sys.platform.startswith("linux") or os.environ.get("NETLAB_DEFAULT_MALLOC"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
        libc.mallopt(m_mmap_threshold, 256 * 2 ** 20)  # arrays below 256 MiB: heap, reused
        libc.mallopt(m_trim_threshold, 512 * 2 ** 20)
        libc.mallopt(m_top_pad, 64 * 2 ** 20)
    except (OSError, AttributeError):  # not glibc: keep the platform's allocator as it is
        pass


_tune_host_allocator()
