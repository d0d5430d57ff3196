"""Writing PyTorch's zip ``.pt`` format without torch.

The pickle is emitted opcode by opcode with protocol-2 opcodes only, because
``torch.load(weights_only=True)`` refuses anything newer (FRAME, SHORT_BINUNICODE, ...) and
its tensors must name torch globals (``torch._utils._rebuild_tensor_v2``, ``torch.FloatStorage``)
that no stdlib pickler can produce without a fake ``torch`` module.
"""

from __future__ import annotations

import secrets
import struct
import zipfile
from collections import OrderedDict

import numpy as np

from netlab import backend
from netlab.backend import device as Device
from netlab.dtypes import dtype as DType
from netlab.nn.parameter import Parameter
from netlab.tensor import Size, Tensor

STORAGE_NAMES = {
    np.dtype(np.float64): "DoubleStorage", np.dtype(np.float32): "FloatStorage",
    np.dtype(np.float16): "HalfStorage", np.dtype(np.int64): "LongStorage",
    np.dtype(np.int32): "IntStorage", np.dtype(np.int16): "ShortStorage",
    np.dtype(np.int8): "CharStorage", np.dtype(np.uint8): "ByteStorage",
    np.dtype(np.bool_): "BoolStorage",
}

ALIGNMENT = 64


class _Pickler:
    """Emits a protocol-2 pickle of tensors, containers and plain Python values."""

    def __init__(self, obj):
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.memo: dict[int, int] = {}
        self.alive: list = []  # keeps memoised objects alive, so their ids stay unique
        self.storages: list[tuple[str, np.ndarray]] = []  # (key, 1-d little-endian array)
        self.roots: dict[int, tuple[str, np.ndarray]] = {}
        self.root_users = _count_root_users(obj)
        self.save(obj)
        self.out += b"."  # STOP

    # primitives ---------------------------------------------------------------------------
    def global_(self, module: str, name: str):
        self.out += b"c" + module.encode() + b"\n" + name.encode() + b"\n"

    def int_(self, v: int):
        if 0 <= v < 256:
            self.out += b"K" + bytes((v,))
        elif 0 <= v < 65536:
            self.out += b"M" + struct.pack("<H", v)
        elif -(2 ** 31) <= v < 2 ** 31:
            self.out += b"J" + struct.pack("<i", v)
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            if len(raw) > 255:
                raise OverflowError("int too large to save in a .pt file")
            self.out += b"\x8a" + bytes((len(raw),)) + raw  # LONG1

    def str_(self, s: str):
        raw = s.encode("utf-8", "surrogatepass")
        self.out += b"X" + struct.pack("<I", len(raw)) + raw

    def put(self, obj):
        idx = len(self.memo)
        self.memo[id(obj)] = idx
        self.alive.append(obj)
        self.out += (b"q" + bytes((idx,))) if idx < 256 else (b"r" + struct.pack("<I", idx))

    def get(self, obj) -> bool:
        idx = self.memo.get(id(obj))
        if idx is None:
            return False
        self.out += (b"h" + bytes((idx,))) if idx < 256 else (b"j" + struct.pack("<I", idx))
        return True

    def tuple_(self, items):
        if not items:
            self.out += b")"
            return
        if len(items) > 3:
            self.out += b"("
        for it in items:
            self.save(it)
        self.out += b"t" if len(items) > 3 else (b"\x85", b"\x86", b"\x87")[len(items) - 1]

    def empty_ordered_dict(self):
        self.global_("collections", "OrderedDict")
        self.out += b")R"  # EMPTY_TUPLE, REDUCE

    # objects ----------------------------------------------------------------------------
    def save(self, obj):
        if obj is None:
            self.out += b"N"
        elif obj is True or obj is False:
            self.out += b"\x88" if obj else b"\x89"
        elif isinstance(obj, np.generic) and not isinstance(obj, np.void):
            self.save(obj.item())  # numpy scalars are stored as the Python value they hold
        elif isinstance(obj, int):
            self.int_(int(obj))
        elif isinstance(obj, float):
            self.out += b"G" + struct.pack(">d", obj)
        elif isinstance(obj, str):
            self.str_(obj)
        elif isinstance(obj, Tensor):
            if not self.get(obj):
                self.tensor(obj)
                self.put(obj)
        elif isinstance(obj, Size):
            self.global_("torch", "Size")
            self.tuple_((tuple(int(s) for s in obj),))
            self.out += b"R"
        elif isinstance(obj, tuple):
            self.tuple_(obj)
        elif isinstance(obj, list):
            if not self.get(obj):
                self.out += b"]"
                self.put(obj)
                if obj:
                    self.out += b"("
                    for it in obj:
                        self.save(it)
                    self.out += b"e"  # APPENDS
        elif isinstance(obj, dict):
            if not self.get(obj):
                self.dict_(obj)
        elif isinstance(obj, DType):
            self.global_("torch", obj.name)
        elif isinstance(obj, Device):
            self.global_("torch", "device")
            self.tuple_((str(obj),))
            self.out += b"R"
        elif isinstance(obj, (bytes, bytearray)):
            self.global_("_codecs" if isinstance(obj, bytes) else "builtins",
                         "encode" if isinstance(obj, bytes) else "bytearray")
            self.tuple_((bytes(obj).decode("latin1"), "latin1"))
            self.out += b"R"
        elif isinstance(obj, complex):
            self.global_("builtins", "complex")
            self.tuple_((obj.real, obj.imag))
            self.out += b"R"
        elif isinstance(obj, set):
            self.global_("builtins", "set")
            self.tuple_((list(obj),))
            self.out += b"R"
        elif isinstance(obj, np.ndarray):
            raise TypeError("netlab.save cannot store a numpy.ndarray in a .pt file that "
                            "torch.load(weights_only=True) accepts; convert it with "
                            "netlab.from_numpy(array) first")
        else:
            raise TypeError(
                f"netlab.save cannot store an object of type '{type(obj).__module__}."
                f"{type(obj).__qualname__}' in a .pt file: only tensors, Parameters, dicts, "
                "OrderedDicts, lists, tuples, sets, str, bytes, int, float, complex, bool, None, "
                "netlab.Size, dtypes and devices are allowed (what torch.load(weights_only=True) "
                "reads). For a model, save model.state_dict().")

    def dict_(self, obj: dict):
        ordered = isinstance(obj, OrderedDict)
        if ordered:
            self.empty_ordered_dict()
        else:
            self.out += b"}"
        self.put(obj)
        if obj:
            self.out += b"("
            for k, v in obj.items():
                self.save(k)
                self.save(v)
            self.out += b"u"  # SETITEMS
        state = getattr(obj, "__dict__", None) if ordered else None
        if state:  # e.g. a state_dict's _metadata, restored by BUILD as torch does
            self.save(dict(state))
            self.out += b"b"  # BUILD

    def tensor(self, t: Tensor):
        if isinstance(t, Parameter):
            self.global_("torch._utils", "_rebuild_parameter")
            self.out += b"("
            self.rebuild_tensor(t, False)
            self.save(bool(t.requires_grad))
            self.empty_ordered_dict()
            self.out += b"tR"
        else:
            self.rebuild_tensor(t, bool(t.requires_grad))

    def rebuild_tensor(self, t: Tensor, requires_grad: bool):
        key, numel, location, offset, stride = self.storage_for(t._array)
        self.global_("torch._utils", "_rebuild_tensor_v2")
        self.out += b"(("  # args tuple, then the persistent id tuple
        self.str_("storage")
        self.global_("torch", STORAGE_NAMES[np.dtype(t._array.dtype)])
        self.str_(key)
        self.str_(location)
        self.int_(numel)
        self.out += b"tQ"  # TUPLE, BINPERSID
        self.int_(offset)
        self.tuple_(tuple(int(s) for s in t._array.shape))
        self.tuple_(stride)
        self.save(requires_grad)
        self.empty_ordered_dict()
        self.out += b"tR"

    def storage_for(self, arr):
        """The storage key, its element count, location, and the tensor's offset and strides."""
        dt = np.dtype(arr.dtype)
        if dt not in STORAGE_NAMES:
            raise TypeError(f"netlab.save cannot store a tensor of numpy dtype {dt}")
        location = "cpu"
        if backend.is_cupy_array(arr):
            location = str(backend.device_of(arr))
            arr = backend.to_numpy(arr)
        elif isinstance(arr, np.ndarray) and arr.size:
            root, offset, stride = _root_view(arr)
            if root is not None and self.root_users.get(id(root), 0) > 1:
                if id(root) not in self.roots:
                    self.roots[id(root)] = (str(len(self.storages)), root)
                    self.storages.append((str(len(self.storages)), _le_flat(root)))
                key = self.roots[id(root)][0]
                return key, int(root.size), location, offset, stride
        key = str(len(self.storages))
        flat = _le_flat(np.array(arr, order="C", copy=True) if not arr.flags.c_contiguous
                        else arr)
        self.storages.append((key, flat))
        return key, int(arr.size), location, 0, _contiguous_strides(arr.shape)


def _contiguous_strides(shape) -> tuple:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= max(int(s), 1)
    return tuple(reversed(out))


def _le_flat(a: np.ndarray) -> np.ndarray:
    """A C-contiguous little-endian 1-d view (or copy) of ``a``; 0-d arrays give one element."""
    a = np.asarray(a)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and np.little_endian is False):
        a = a.astype(a.dtype.newbyteorder("<"))
    return a.reshape(-1)


def _owner(arr: np.ndarray) -> np.ndarray:
    """The array at the end of ``arr``'s base chain (through as_strided's DummyArray too)."""
    root = arr
    while True:
        base = root.base
        if base is not None and not isinstance(base, np.ndarray):
            base = getattr(base, "base", None)  # numpy's as_strided wraps its input
        if not isinstance(base, np.ndarray):
            return root
        root = base


def _root_view(arr: np.ndarray):
    """The contiguous array that owns ``arr``'s memory, and ``arr``'s place in it (elements).

    Returns ``(None, 0, ())`` when the layout cannot be expressed as a torch view (negative
    or unaligned strides, a different dtype than the owner's).
    """
    root = _owner(arr)
    item = arr.dtype.itemsize
    if (root.dtype != arr.dtype or not root.flags.c_contiguous
            or any(s < 0 or s % item for s in arr.strides)):
        return None, 0, ()
    delta = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    if delta < 0 or delta % item:
        return None, 0, ()
    offset = delta // item
    stride = tuple(s // item for s in arr.strides)
    end = offset + sum((n - 1) * s for n, s in zip(arr.shape, stride))
    if end >= root.size:
        return None, 0, ()
    return root, offset, stride


def _count_root_users(obj) -> dict[int, int]:
    """How many distinct tensors in ``obj`` view each owning numpy array."""
    users: dict[int, set] = {}
    seen: set[int] = set()
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, Tensor):
            arr = o._array
            if isinstance(arr, np.ndarray):
                users.setdefault(id(_owner(arr)), set()).add(id(o))
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
            stack.extend(getattr(o, "__dict__", {}).values())
        elif isinstance(o, (list, tuple, set)):
            stack.extend(o)
    return {k: len(v) for k, v in users.items()}


def dumps(obj) -> tuple[bytes, list[tuple[str, np.ndarray]]]:
    """The ``data.pkl`` bytes and the storages ``[(key, 1-d array)]`` that it references."""
    p = _Pickler(obj)
    return bytes(p.out), p.storages


def _write_record(zf: zipfile.ZipFile, name: str, data) -> None:
    """Write one stored member whose payload starts at a multiple of 64 bytes.

    The padding goes into the local header's extra field (id ``FB``, filled with ``Z``), as
    torch writes it; the size formula mirrors ``zipfile``'s own zip64 decision.
    """
    size = len(data)
    zinfo = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    zinfo.compress_type = zipfile.ZIP_STORED
    zinfo.file_size = size
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT
    header = 30 + len(name.encode("utf-8")) + 4 + (20 if zip64 else 0)
    pad = (-(zf.fp.tell() + header)) % ALIGNMENT
    zinfo.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with zf.open(zinfo, "w", force_zip64=zip64) as w:
        w.write(data)


def write_archive(fh, prefix: str, pkl: bytes, storages) -> None:
    """Write the zip members in torch's order: data.pkl first, version near the end."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_record(zf, f"{prefix}/data.pkl", pkl)
        _write_record(zf, f"{prefix}/.format_version", b"1")
        _write_record(zf, f"{prefix}/.storage_alignment", str(ALIGNMENT).encode())
        _write_record(zf, f"{prefix}/byteorder", b"little")
        for key, flat in storages:
            _write_record(zf, f"{prefix}/data/{key}", flat.view(np.uint8))
        _write_record(zf, f"{prefix}/version", b"3\n")
        ident = f"{secrets.randbits(128):040d}"
        _write_record(zf, f"{prefix}/.data/serialization_id", ident.encode())
