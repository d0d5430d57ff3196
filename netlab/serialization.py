"""``netlab.save`` / ``netlab.load``: PyTorch's .pt zip format, safetensors and npz.

The format follows the file extension (``.safetensors``, ``.npz``; anything else is PyTorch's
zip format, as ``torch.save`` writes it) unless ``format=`` says otherwise. ``.pt`` files are
written without torch and read back by ``torch.load`` (weights_only) and by netlab; reading
never runs code from the file unless ``weights_only=False``. Writes to a path are atomic.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from netlab import _pt_read, _pt_write, backend
from netlab.tensor import Tensor

__all__ = ["save", "load"]

FORMATS = ("pt", "safetensors", "npz")
_EXTENSIONS = {".safetensors": "safetensors", ".npz": "npz"}

# safetensors dtype names <-> numpy (BF16 is widened to float32 on load)
_ST_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64,
              "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
              "BOOL": np.bool_}


def save(obj, f, pickle_protocol: int = 2, *, format: str | None = None) -> None:  # noqa: A002
    """Save ``obj`` to ``f`` (a path or a binary file object).

    ``.pt``/``.pth`` (and any other extension) get PyTorch's zip format, readable by
    ``torch.load`` with ``weights_only=True``: tensors, Parameters and nested dicts, lists and
    tuples of them and of plain values (e.g. checkpoint dicts holding a model and an optimizer
    state_dict). ``.safetensors`` and ``.npz`` hold a flat ``{name: tensor}`` dict. Writing to
    a path goes to a temporary file in the same folder that replaces ``f`` only when complete.

    Examples
    --------
    >>> import netlab, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
    >>> netlab.save({"w": netlab.ones(2)}, path)
    >>> netlab.load(path)["w"]
    tensor([1., 1.])
    """
    fmt = _format_of(f, format)
    if fmt == "pt":
        if pickle_protocol != 2:
            raise ValueError("netlab.save writes pickle protocol 2 only: torch.load with "
                             "weights_only=True refuses the opcodes of newer protocols")
        pkl, storages = _pt_write.dumps(obj)  # fails before any file is touched

        def write(fh):
            _pt_write.write_archive(fh, _archive_prefix(f), pkl, storages)
    elif fmt == "npz":
        arrays = _flat_arrays(obj, "npz")

        def write(fh):
            _write_npz(fh, arrays)
    else:
        st_numpy = _import_safetensors().numpy
        arrays = _flat_arrays(obj, "safetensors")

        def write(fh):
            fh.write(st_numpy.save(arrays, metadata={"format": "pt"}))
    _write_atomic(f, write)


def load(f, map_location=None, *, weights_only: bool = True, format: str | None = None):  # noqa: A002
    """Load an object saved by :func:`save` or by ``torch.save`` (or a safetensors/npz file).

    ``.pt`` files are read with a restricted unpickler: only tensors, Parameters, containers
    and plain values can be built, and a file that names any other global is refused with
    ``pickle.UnpicklingError`` before anything in it runs. ``weights_only=False`` runs the
    full unpickler (only for files you trust: it can execute code). ``map_location``
    (``'cpu'``, ``'cuda'``, a device, or a dict from saved to wanted locations) moves the
    tensors. bfloat16 tensors come back widened to float32.

    Examples
    --------
    >>> import netlab, io
    >>> buf = io.BytesIO(); netlab.save([netlab.tensor(3)], buf); _ = buf.seek(0)
    >>> netlab.load(buf)
    [tensor(3)]
    """
    weights_only = weights_only is not False  # None means torch's default, True
    fmt = _format_of(f, format, sniff=True)
    name = _name_of(f)
    with _open_for_read(f) as fh:
        if fmt == "pt":
            return _pt_read.read_archive(fh, name, _device_mapper(map_location), weights_only)
        if fmt == "npz":
            return _read_npz(fh, name, map_location)
        return _read_safetensors(fh, name, map_location)


# format choice and files --------------------------------------------------------------------
def _format_of(f, fmt, sniff=False) -> str:
    if fmt is not None:
        fmt = {"pth": "pt", "torch": "pt"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
        return fmt
    if isinstance(f, (str, os.PathLike)):
        ext = os.path.splitext(os.fspath(f))[1].lower()
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
        if not sniff or not os.path.isfile(f):
            return "pt"
        with open(f, "rb") as fh:
            return _sniff(fh)
    if sniff and hasattr(f, "read") and hasattr(f, "seek"):
        pos = f.tell()
        try:
            return _sniff(f)
        finally:
            f.seek(pos)
    return "pt"


def _sniff(fh) -> str:
    head = fh.read(9)
    if head[:2] == b"PK":
        fh.seek(fh.tell() - len(head))
        try:
            with zipfile.ZipFile(fh) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return "pt"
        if names and all(n.endswith(".npy") for n in names):
            return "npz"
        return "pt"
    if len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 1 << 30:
        return "safetensors"
    return "pt"


def _name_of(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    return str(getattr(f, "name", f"<{type(f).__name__}>"))


def _archive_prefix(f) -> str:
    """torch names the zip's top folder after the file's stem, or 'archive' for file objects."""
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fspath(f))
        stem = base[:base.rfind(".")] if "." in base else base
        return stem or "archive"
    return "archive"


class _open_for_read:
    def __init__(self, f):
        self.f, self.fh = f, None

    def __enter__(self):
        if isinstance(self.f, (str, os.PathLike)):
            self.fh = open(self.f, "rb")
            return self.fh
        if not hasattr(self.f, "read"):
            raise TypeError(f"netlab.load expects a path or a binary file object, got "
                            f"{type(self.f).__name__}")
        if not (hasattr(self.f, "seek") and self.f.seekable()):
            return io.BytesIO(self.f.read())
        return self.f

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()
        return False


def _write_atomic(f, write) -> None:
    """Run ``write(fh)`` into a temporary file beside ``f``, then rename it over ``f``.

    On any failure the temporary file is removed, so ``f`` is either the complete new file or
    whatever it was before. File objects are written directly (no rename is possible).
    """
    if not isinstance(f, (str, os.PathLike)):
        if not hasattr(f, "write"):
            raise TypeError(f"netlab.save expects a path or a binary file object, got "
                            f"{type(f).__name__}")
        if hasattr(f, "seekable") and f.seekable():
            write(f)
        else:  # zipfile needs to seek back to patch headers
            buf = io.BytesIO()
            write(buf)
            f.write(buf.getvalue())
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: the folder {folder!r} does not exist")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _new_file_mode(path: str) -> int:
    """Keep an existing file's permissions; new files get 0o666 minus the umask, as open()."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# devices ------------------------------------------------------------------------------------
def _device_mapper(map_location):
    """``(host_array, saved_location) -> (array, netlab device)`` for the .pt reader."""

    def target(location: str):
        if map_location is None:
            wanted = location
        elif isinstance(map_location, Mapping):
            wanted = map_location.get(location, location)
        else:
            wanted = map_location
        dev = backend.as_device(str(wanted) if not isinstance(wanted, backend.device)
                                else wanted)
        if dev.type == "cuda" and not backend.cuda_is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but netlab.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use netlab.load with "
                "map_location='cpu' to map your storages to the CPU.")
        return dev

    def mapper(arr, location):
        if callable(map_location) and not isinstance(map_location, (str, backend.device)):
            out = map_location(arr, location)
            if out is None:
                return arr, backend.CPU
            return backend.to_numpy(out), backend.device_of(out)
        return arr, target(location)

    return mapper


def _place(arr, map_location):
    if map_location is None:
        return arr
    if isinstance(map_location, Mapping):
        map_location = map_location.get("cpu", "cpu")
    _, dev = _device_mapper(map_location)(arr, "cpu")
    return backend.to_device(arr, dev)


# npz and safetensors ------------------------------------------------------------------------
def _flat_arrays(obj, fmt: str) -> dict:
    if not isinstance(obj, Mapping):
        hint = " (pass model.state_dict())" if hasattr(obj, "state_dict") else ""
        raise TypeError(f".{fmt} files hold a flat dict of named tensors; got "
                        f"{type(obj).__name__}{hint}")
    out = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f".{fmt} keys must be strings; got {k!r}")
        if isinstance(v, Tensor):
            arr = backend.to_numpy(v._array)
        elif isinstance(v, np.ndarray):
            arr = v
        else:
            raise TypeError(f".{fmt} files hold only tensors: {k!r} is a {type(v).__name__}; "
                            "save checkpoints with other values as .pt")
        if arr.dtype.kind not in "biuf" or arr.dtype.kind == "u" and arr.dtype != np.uint8:
            raise TypeError(f"{k!r}: cannot store dtype {arr.dtype} in a .{fmt} file")
        out[k] = np.array(arr, order="C", copy=True) if not arr.flags.c_contiguous else arr
    return out


def _write_npz(fh, arrays: dict) -> None:
    """``numpy.savez`` layout, written member by member (savez's keyword API would
    swallow keys such as 'file' or 'allow_pickle').
    """
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for k, arr in arrays.items():
            with zf.open(k + ".npy", "w", force_zip64=True) as w:
                np.lib.format.write_array(w, np.asanyarray(arr), allow_pickle=False)


def _read_npz(fh, name: str, map_location) -> OrderedDict:
    out = OrderedDict()
    try:
        with np.load(fh, allow_pickle=False) as npz:
            for k in npz.files:
                arr = npz[k]
                if arr.dtype.kind not in "biuf" or (arr.dtype.kind == "u" and arr.itemsize > 1):
                    raise TypeError(f"{name!r}: array {k!r} has dtype {arr.dtype}, which "
                                    "netlab has no dtype for")
                if not arr.dtype.isnative:
                    arr = arr.astype(arr.dtype.newbyteorder("="))
                out[k] = Tensor._make(_place(arr, map_location))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise RuntimeError(f"{name!r} is not a readable .npz file: {e}") from None
    return out


def _read_safetensors(fh, name: str, map_location) -> OrderedDict:
    st = _import_safetensors()
    data = fh.read()
    try:
        entries = st.deserialize(data)
    except Exception as e:  # safetensors raises its own SafetensorError (a plain Exception)
        raise RuntimeError(f"{name!r} is not a readable .safetensors file: {e}") from None
    out = OrderedDict()
    for key, info in entries:
        code = info["dtype"]
        raw = np.frombuffer(bytes(info["data"]), dtype=np.uint8)
        if code == "BF16":
            arr = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
        elif code in _ST_DTYPES:
            arr = raw.view(np.dtype(_ST_DTYPES[code]).newbyteorder("<")).astype(_ST_DTYPES[code])
        else:
            raise TypeError(f"{name!r}: tensor {key!r} has dtype {code}, which netlab has no "
                            "dtype for")
        out[key] = Tensor._make(_place(arr.reshape(info["shape"]), map_location))
    return out


def _import_safetensors():
    try:
        import safetensors
        import safetensors.numpy  # noqa: F401
    except ImportError:
        raise ImportError("reading or writing .safetensors files needs the 'safetensors' "
                          "package: pip install safetensors") from None
    return safetensors
