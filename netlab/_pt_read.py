"""Reading PyTorch's zip ``.pt`` format without torch.

With ``weights_only=True`` the pickle is run by a small interpreter of its own, not by the
stdlib unpickler: it imports nothing, and a global is only ever looked up in ``SAFE_GLOBALS``
(netlab functions standing in for torch's rebuild helpers). A file that names anything else
is refused before any of it is run; calls (REDUCE/NEWOBJ) are only made on those stand-ins and
BUILD only updates the ``__dict__`` of OrderedDicts and tensors, as torch's weights-only
unpickler allows.
"""

from __future__ import annotations

import collections
import math
import pickle
import struct
import warnings
import zipfile
from collections import OrderedDict

import numpy as np

from netlab import backend
from netlab.dtypes import as_dtype
from netlab.nn.parameter import Parameter
from netlab.tensor import Size, Tensor, _VersionCounter

_BF16 = "bfloat16"
STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "BFloat16Storage": _BF16, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "UntypedStorage": np.uint8,
}
_NO_NETLAB_DTYPE = ("ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage",
                    "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage")
_TORCH_DTYPES = {"float64": "float64", "double": "float64", "float32": "float32",
                 "float": "float32", "float16": "float16", "half": "float16",
                 "bfloat16": "float32", "int64": "int64", "long": "int64", "int32": "int32",
                 "int": "int32", "int16": "int16", "short": "int16", "int8": "int8",
                 "uint8": "uint8", "bool": "bool"}


class StorageType:
    """Stands for ``torch.<X>Storage`` in a persistent id."""

    def __init__(self, name: str):
        self.name = name
        self.dtype = STORAGE_DTYPES[name]

    def __repr__(self):
        return f"torch.{self.name}"


class _Marker:
    """Stands for a torch class that is only used as a tag (``torch.Tensor``, Parameter)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return self.name


_TENSOR = _Marker("torch.Tensor")
_PARAMETER = _Marker("torch.nn.parameter.Parameter")


class LoadedStorage:
    """One ``data/<key>`` record as a 1-d native-endian host array; tensors on it share memory
    (and a version counter) on the CPU, and are copied to ``device`` otherwise.
    """

    def __init__(self, array: np.ndarray, device):
        self.array = array
        self.device = device
        self.counter = _VersionCounter()


def _check_ints(name, values):
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise pickle.UnpicklingError(f"{name}: expected integers, got {values!r}")


def _tensor_from(storage, offset, size, stride, np_dtype=None) -> Tensor:
    if not isinstance(storage, LoadedStorage):
        raise pickle.UnpicklingError(f"expected a tensor storage, got {type(storage).__name__}")
    size, stride = tuple(size), tuple(stride)
    _check_ints("tensor size/stride/offset", (offset, *size, *stride))
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in (*size, *stride)):
        raise pickle.UnpicklingError(f"invalid tensor layout: size {size}, stride {stride}, "
                                     f"offset {offset}")
    arr = storage.array if np_dtype is None else storage.array.view(np_dtype)
    numel = math.prod(size)
    if numel == 0:
        view = np.empty(size, dtype=arr.dtype)
    else:
        end = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if end >= arr.size:
            raise pickle.UnpicklingError(
                f"a tensor of size {list(size)} (stride {list(stride)}, offset {offset}) "
                f"reaches past the end of its storage of {arr.size} elements")
        item = arr.dtype.itemsize
        if stride == _c_strides(size):  # the usual case: a plain reshape of a slice
            view = arr[offset:offset + numel].reshape(size)
        else:
            view = np.lib.stride_tricks.as_strided(arr[offset:], size,
                                                   [s * item for s in stride])
        if _overlaps(size, stride):
            view = view.copy()  # torch's expanded views: netlab keeps one element per slot
    if storage.device.type != "cpu":
        view = backend.to_device(view, storage.device)
    return Tensor._make(view, counter=storage.counter)


def _c_strides(size) -> tuple:
    out, acc = [], 1
    for n in reversed(size):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


def _overlaps(size, stride) -> bool:
    need = 1
    for n, s in sorted(((n, s) for n, s in zip(size, stride) if n > 1), key=lambda p: p[1]):
        if s < need:
            return True
        need = s * n
    return False


# stand-ins for torch's rebuild functions ----------------------------------------------------
def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor_from(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    t = _tensor_from(storage, storage_offset, size, stride)
    if requires_grad and t._array.dtype.kind == "f":
        t._requires_grad = True
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    if not isinstance(storage, LoadedStorage) or storage.array.dtype != np.uint8:
        raise pickle.UnpicklingError("_rebuild_tensor_v3 expects an untyped storage")
    t = _tensor_from(storage, storage_offset, size, stride, as_dtype(dtype).np)
    t._requires_grad = bool(requires_grad) and t._array.dtype.kind == "f"
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks, *state):
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError("_rebuild_parameter expects a tensor")
    p = Parameter(data, requires_grad=bool(requires_grad) and data.is_floating_point())
    p._version_counter = data._version_counter
    if state and isinstance(state[0], dict):
        p.__dict__.update({k: v for k, v in state[0].items() if isinstance(k, str)})
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS:
        raise pickle.UnpicklingError(f"_rebuild_from_type_v2 cannot call {func!r}")
    ret = func(*args)
    if new_type is _PARAMETER and not isinstance(ret, Parameter):
        ret = _rebuild_parameter(ret, ret.requires_grad, None)
    elif new_type not in (_TENSOR, _PARAMETER):
        raise pickle.UnpicklingError(f"cannot rebuild a tensor of type {new_type!r}")
    if isinstance(state, dict):
        ret.__dict__.update({k: v for k, v in state.items() if isinstance(k, str)})
    return ret


def _codecs_encode(s, encoding="utf-8"):
    if not isinstance(s, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise pickle.UnpicklingError("_codecs.encode: unexpected arguments")
    return s.encode(encoding)


def _size(dims=()):
    return Size(tuple(dims))


def _device(kind, index=None):
    try:
        return backend.device(kind, index)
    except RuntimeError:  # e.g. 'mps': keep the name, netlab has no such device
        return str(kind) if index is None else f"{kind}:{index}"


def _typed(fn, *types):
    def call(*args):
        if len(args) > len(types) or not all(isinstance(a, t) for a, t in zip(args, types)):
            raise pickle.UnpicklingError(f"{fn.__name__}: unexpected arguments {args!r}")
        return fn(*args)
    call.__name__ = fn.__name__
    return call


_REBUILDERS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter}

SAFE_GLOBALS: dict[tuple[str, str], object] = {
    ("collections", "OrderedDict"): _typed(OrderedDict, (list, tuple, dict)),
    ("collections", "Counter"): _typed(collections.Counter, (list, tuple, dict)),
    ("builtins", "set"): _typed(set, (list, tuple, set)),
    ("builtins", "frozenset"): _typed(frozenset, (list, tuple, set)),
    ("builtins", "bytearray"): _typed(bytearray, (str, bytes, list), str),
    ("builtins", "complex"): _typed(complex, (int, float), (int, float)),
    ("_codecs", "encode"): _codecs_encode,
    ("torch", "Size"): _typed(_size, (tuple, list)),
    ("torch", "device"): _typed(_device, str, int),
    ("torch", "Tensor"): _TENSOR,
    ("torch.nn.parameter", "Parameter"): _PARAMETER,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
}
SAFE_GLOBALS.update({("__builtin__", n): SAFE_GLOBALS[("builtins", n)]  # protocol-2 spelling
                     for n in ("set", "frozenset", "bytearray", "complex")})
SAFE_GLOBALS.update({("torch", n): StorageType(n) for n in STORAGE_DTYPES})
SAFE_GLOBALS.update({("torch.storage", "UntypedStorage"): StorageType("UntypedStorage")})
SAFE_GLOBALS.update({("torch", k): as_dtype(v) for k, v in _TORCH_DTYPES.items()})
_CALLABLE = {id(v) for v in SAFE_GLOBALS.values() if callable(v) and not isinstance(v, type)}


def _refuse(filename, what):
    return pickle.UnpicklingError(
        f"Weights only load failed for {filename!r}: the file asks for {what}, which netlab's "
        "weights-only loader does not allow (its allow-list builds tensors, Parameters, "
        "containers and plain values only). Nothing from the file was run. If you trust "
        "the file's source, netlab.load(..., weights_only=False) runs the full unpickler, "
        "which can execute arbitrary code.")


class RestrictedUnpickler:
    """Runs a pickle that may only build data: its globals come from ``SAFE_GLOBALS``."""

    def __init__(self, data: bytes, persistent_load, filename: str):
        self.data = memoryview(data)
        self.pos = 0
        self.persistent_load = persistent_load
        self.filename = filename

    def read(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise pickle.UnpicklingError("pickle data was truncated")
        out = bytes(self.data[self.pos:end])
        self.pos = end
        return out

    def readline(self) -> str:
        end = bytes(self.data[self.pos:self.pos + 1024]).find(b"\n")
        if end < 0:
            raise pickle.UnpicklingError("pickle data was truncated")
        out = bytes(self.data[self.pos:self.pos + end]).decode("utf-8")
        self.pos += end + 1
        return out

    def find_class(self, module: str, name: str):
        obj = SAFE_GLOBALS.get((module, name))
        if obj is None:
            stype = name if module == "torch" else None
            if stype in _NO_NETLAB_DTYPE or name in ("complex64", "complex128", "cfloat"):
                raise pickle.UnpicklingError(
                    f"{self.filename!r} holds a tensor of type torch.{name}, which netlab has no "
                    "dtype for (netlab has float16/32/64, int8/16/32/64, uint8 and bool)")
            raise _refuse(self.filename, f"the global '{module}.{name}'")
        return obj

    def _call(self, func, args):
        if id(func) not in _CALLABLE:
            raise _refuse(self.filename, f"a call of {func!r}")
        if not isinstance(args, tuple):
            raise pickle.UnpicklingError("REDUCE expects an argument tuple")
        return func(*args)

    def _pop_mark(self):
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def load(self):
        self.stack: list = []
        self.metastack: list = []
        memo: dict = {}
        read = self.read
        while True:
            op = read(1)[0]
            st = self.stack
            if op == 0x80:  # PROTO
                read(1)
            elif op == 0x95:  # FRAME
                read(8)
            elif op == 0x2E:  # STOP
                if not st:
                    raise pickle.UnpicklingError("pickle stack is empty at STOP")
                return st.pop()
            elif op == 0x28:  # MARK
                self.metastack.append(st)
                self.stack = []
            elif op == 0x63:  # GLOBAL
                module = self.readline()
                st.append(self.find_class(module, self.readline()))
            elif op == 0x93:  # STACK_GLOBAL
                name, module = st.pop(), st.pop()
                if not (isinstance(module, str) and isinstance(name, str)):
                    raise pickle.UnpicklingError("STACK_GLOBAL expects two strings")
                st.append(self.find_class(module, name))
            elif op == 0x52:  # REDUCE
                args = st.pop()
                st[-1] = self._call(st[-1], args)
            elif op == 0x81:  # NEWOBJ
                args = st.pop()
                st[-1] = self._call(st[-1], args)
            elif op == 0x62:  # BUILD
                state = st.pop()
                inst = st[-1]
                if not isinstance(inst, (OrderedDict, Tensor)) or not isinstance(state, dict) \
                        or not all(isinstance(k, str) for k in state):
                    raise _refuse(self.filename, f"BUILD on a {type(inst).__name__}")
                inst.__dict__.update(state)
            elif op == 0x51:  # BINPERSID
                st.append(self.persistent_load(st.pop()))
            elif op in (0x4E, 0x88, 0x89):  # NONE, NEWTRUE, NEWFALSE
                st.append(None if op == 0x4E else op == 0x88)
            elif op == 0x29:  # EMPTY_TUPLE
                st.append(())
            elif op == 0x5D:  # EMPTY_LIST
                st.append([])
            elif op == 0x7D:  # EMPTY_DICT
                st.append({})
            elif op == 0x8F:  # EMPTY_SET
                st.append(set())
            elif op == 0x74:  # TUPLE
                st = self._pop_mark()
                self.stack.append(tuple(st))
            elif op in (0x85, 0x86, 0x87):  # TUPLE1..3
                n = op - 0x84
                if len(st) < n:
                    raise pickle.UnpicklingError("pickle stack underflow")
                items = tuple(st[-n:])
                del st[-n:]
                st.append(items)
            elif op == 0x91:  # FROZENSET
                st = self._pop_mark()
                self.stack.append(frozenset(st))
            elif op in (0x61, 0x65, 0x73, 0x75, 0x90):  # APPEND(S), SETITEM(S), ADDITEMS
                if op in (0x61, 0x73):
                    items = [st.pop()] if op == 0x61 else [st.pop(-2), st.pop()]
                else:
                    items = self._pop_mark()
                    st = self.stack
                target = st[-1]
                if op in (0x61, 0x65):
                    if type(target) is not list:
                        raise _refuse(self.filename, f"APPEND on a {type(target).__name__}")
                    target.extend(items)
                elif op == 0x90:
                    if type(target) is not set:
                        raise _refuse(self.filename, f"ADDITEMS on a {type(target).__name__}")
                    target.update(items)
                else:
                    if not isinstance(target, dict) or type(target) not in (
                            dict, OrderedDict, collections.Counter):
                        raise _refuse(self.filename, f"SETITEM on a {type(target).__name__}")
                    if len(items) % 2:
                        raise pickle.UnpicklingError("SETITEMS needs key/value pairs")
                    for i in range(0, len(items), 2):
                        target[items[i]] = items[i + 1]
            elif op == 0x4A:  # BININT
                st.append(struct.unpack("<i", read(4))[0])
            elif op == 0x4B:  # BININT1
                st.append(read(1)[0])
            elif op == 0x4D:  # BININT2
                st.append(struct.unpack("<H", read(2))[0])
            elif op in (0x8A, 0x8B):  # LONG1, LONG4
                n = read(1)[0] if op == 0x8A else struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise pickle.UnpicklingError("LONG4 with a negative byte count")
                st.append(int.from_bytes(read(n), "little", signed=True))
            elif op == 0x47:  # BINFLOAT
                st.append(struct.unpack(">d", read(8))[0])
            elif op in (0x58, 0x8C, 0x8D):  # BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                n = struct.unpack({0x58: "<I", 0x8C: "<B", 0x8D: "<Q"}[op],
                                  read({0x58: 4, 0x8C: 1, 0x8D: 8}[op]))[0]
                st.append(read(n).decode("utf-8", "surrogatepass"))
            elif op in (0x55, 0x54):  # SHORT_BINSTRING, BINSTRING (Python 2 str)
                n = read(1)[0] if op == 0x55 else struct.unpack("<i", read(4))[0]
                raw = read(n)
                try:
                    st.append(raw.decode("ascii"))
                except UnicodeDecodeError:
                    st.append(raw)
            elif op in (0x43, 0x42, 0x8E, 0x96):  # SHORT_BINBYTES, BINBYTES(8), BYTEARRAY8
                fmt, width = {0x43: ("<B", 1), 0x42: ("<I", 4), 0x8E: ("<Q", 8),
                              0x96: ("<Q", 8)}[op]
                raw = read(struct.unpack(fmt, read(width))[0])
                st.append(bytearray(raw) if op == 0x96 else raw)
            elif op in (0x68, 0x6A):  # BINGET, LONG_BINGET
                idx = read(1)[0] if op == 0x68 else struct.unpack("<I", read(4))[0]
                if idx not in memo:
                    raise pickle.UnpicklingError(f"memo key {idx} is missing")
                st.append(memo[idx])
            elif op in (0x71, 0x72):  # BINPUT, LONG_BINPUT
                idx = read(1)[0] if op == 0x71 else struct.unpack("<I", read(4))[0]
                memo[idx] = st[-1]
            elif op == 0x94:  # MEMOIZE
                memo[len(memo)] = st[-1]
            elif op == 0x30:  # POP
                if st:
                    st.pop()
                else:
                    self._pop_mark()
            elif op == 0x31:  # POP_MARK
                self._pop_mark()
            elif op == 0x32:  # DUP
                st.append(st[-1])
            else:
                raise _refuse(self.filename, f"the pickle opcode {bytes((op,))!r} (only opcodes "
                              "that build plain data are accepted)")


class FullUnpickler(pickle.Unpickler):
    """``weights_only=False``: the stdlib unpickler, torch's rebuild globals mapped to netlab."""

    def __init__(self, fh, persistent_load_fn):
        super().__init__(fh)
        self._pl = persistent_load_fn

    def persistent_load(self, pid):
        return self._pl(pid)

    def find_class(self, module, name):
        obj = SAFE_GLOBALS.get((module, name))
        if obj is not None:
            return obj
        return super().find_class(module, name)


def read_archive(fh, filename: str, map_device, weights_only: bool):
    """Load the object stored in a torch zip archive opened as ``fh``.

    ``map_device(host_array, saved_location) -> (host_array, netlab device)`` places storages.
    """
    err = f"{filename!r} is not a readable PyTorch .pt file"
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"{err}: {e} (the zip archive is truncated, damaged, or the file "
                           "is not a zip; files written by torch before 1.6 are not "
                           "supported)") from None
    with zf:
        names = zf.namelist()
        if not names or "/" not in names[0]:
            raise RuntimeError(f"{err}: the zip archive has no top-level folder with a "
                               "data.pkl record")
        prefix = names[0].split("/", 1)[0] + "/"
        present = set(names)
        for rec in ("data.pkl", "version"):
            if prefix + rec not in present:
                raise RuntimeError(f"{err}: missing record '{prefix}{rec}'")
        try:
            version = int(zf.read(prefix + "version").strip())
            order = zf.read(prefix + "byteorder").decode().strip() \
                if prefix + "byteorder" in present else "little"
            pkl = zf.read(prefix + "data.pkl")
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            raise RuntimeError(f"{err}: {e}") from None
        if version < 1:
            raise RuntimeError(f"{err}: unsupported format version {version}")
        if order not in ("little", "big"):
            raise RuntimeError(f"{err}: unknown byteorder record {order!r}")

        storages: dict[str, LoadedStorage] = {}
        widened = []

        def persistent_load(pid):
            if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
                raise pickle.UnpicklingError(f"unexpected persistent id {pid!r} (only "
                                             "('storage', ...) tuples are accepted)")
            _, stype, key, location, numel = pid
            if not isinstance(stype, StorageType) or not isinstance(key, str) \
                    or not isinstance(location, str) or not isinstance(numel, int) or numel < 0:
                raise pickle.UnpicklingError(f"malformed storage id {pid!r}")
            if key in storages:
                return storages[key]
            rec = f"{prefix}data/{key}"
            if rec not in present:
                raise RuntimeError(f"{err}: missing record '{rec}' (a tensor storage)")
            np_dt = np.dtype(np.uint16 if stype.dtype == _BF16 else stype.dtype)
            nbytes = numel * np_dt.itemsize
            size = zf.getinfo(rec).file_size
            if size < nbytes:
                raise RuntimeError(f"{err}: record '{rec}' holds {size} bytes but its storage "
                                   f"needs {nbytes}")
            # read straight into a typed array that owns its memory: tensors become views of
            # it, and saving them again finds the shared storage
            arr = np.empty(numel, dtype=np_dt.newbyteorder("<" if order == "little" else ">"))
            try:
                with zf.open(rec) as r:
                    got = r.readinto(memoryview(arr.view(np.uint8)))
                    if size == nbytes:
                        r.read(1)  # reach the end, so that zipfile checks the CRC
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise RuntimeError(f"{err}: record '{rec}': {e}") from None
            if got != nbytes:
                raise RuntimeError(f"{err}: record '{rec}' is truncated")
            if not arr.dtype.isnative:
                arr = arr.astype(np_dt)
            if stype.dtype == _BF16:  # netlab has no bfloat16: widen exactly to float32
                arr = (arr.astype(np.uint32) << 16).view(np.float32)
                widened.append(key)
            arr, dev = map_device(arr, location)
            storages[key] = LoadedStorage(arr, dev)
            return storages[key]

        try:
            if weights_only:
                obj = RestrictedUnpickler(pkl, persistent_load, filename).load()
            else:
                import io

                obj = FullUnpickler(io.BytesIO(pkl), persistent_load).load()
        except pickle.UnpicklingError as e:
            if repr(filename) in str(e):
                raise
            raise pickle.UnpicklingError(f"{err}: {e}") from None
        except (IndexError, KeyError, TypeError, ValueError, struct.error, EOFError) as e:
            raise RuntimeError(f"{err}: the data.pkl record is damaged or malformed "
                               f"({type(e).__name__}: {e})") from None
        if widened:
            warnings.warn(f"{filename!r}: bfloat16 tensors were widened to float32 (netlab has no "
                          "bfloat16 dtype)", UserWarning, stacklevel=3)
        return obj
