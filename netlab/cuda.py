"""``netlab.cuda``: CUDA availability and device queries (through cupy, when installed)."""

from __future__ import annotations

from netlab import backend


def is_available() -> bool:
    """True when cupy is installed and sees a CUDA device."""
    return backend.cuda_is_available()


def device_count() -> int:
    return backend.cuda_device_count()


def current_device() -> int:
    cp = backend.xp_for(backend.device("cuda"))
    return int(cp.cuda.runtime.getDevice())


def set_device(device) -> None:
    cp = backend.xp_for(backend.device("cuda"))
    idx = device if isinstance(device, int) else (backend.as_device(device).index or 0)
    cp.cuda.runtime.setDevice(idx)


def get_device_name(device=None) -> str:
    cp = backend.xp_for(backend.device("cuda"))
    idx = 0 if device is None else (device if isinstance(device, int) else
                                    backend.as_device(device).index or 0)
    name = cp.cuda.runtime.getDeviceProperties(idx)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    if is_available():
        backend.xp_for(backend.device("cuda")).cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seeds netlab's generator: random numbers are drawn on the host for every device."""
    from netlab.random import manual_seed as _seed

    _seed(seed)


manual_seed_all = manual_seed
