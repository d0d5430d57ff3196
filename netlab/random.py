"""Random numbers: generators, ``manual_seed`` and the sampling functions (the in-place
random fills such as ``Tensor.uniform_`` live in fills.py).

Numbers are drawn with numpy on the host and then moved to the tensor's device, so one seed
gives the same numbers on the CPU and on CUDA. Each :class:`Generator` wraps a numpy PCG64
bit generator; ``netlab.default_generator`` serves every call without ``generator=``.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from netlab import backend
from netlab._factory import CPP_NAMES, finish, like_args, num_str, parse_size, resolve
from netlab.autograd.grad_mode import is_grad_enabled
from netlab.autograd.node import Function
from netlab.dtypes import bool_, int64, uint8
from netlab.ops._util import apply_inplace, broadcast_shapes, check_inplace, write_out
from netlab.tensor import Size, Tensor

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm", "normal",
           "bernoulli", "multinomial", "rand_like", "randn_like", "randint_like"]

_DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed
_STATE_BYTES = 45  # PCG64 state (16) + increment (16) + has_uint32 (1) + uinteger (4) + seed (8)

# the C++ type names of PyTorch's range errors
_C_NAMES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
            "int32": "int", "int64": "long int", "bool": "bool"}


class Generator:
    """A source of random numbers with its own state (numpy PCG64).

    Examples
    --------
    >>> import netlab
    >>> g = netlab.Generator().manual_seed(0)
    >>> a = netlab.rand(3, generator=g)
    >>> b = netlab.rand(3, generator=g.manual_seed(0))
    >>> a.tolist() == b.tolist()
    True
    """

    def __init__(self, device="cpu"):
        self.device = backend.as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed) -> Generator:
        """Reset the state from ``seed`` (an int in [-2**63, 2**64)); returns the generator."""
        seed = int(seed)
        if not -(2 ** 63) <= seed < 2 ** 64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & (2 ** 64 - 1)  # negative seeds wrap, as in PyTorch
        self._np = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the new seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self) -> Tensor:
        """The state as a uint8 tensor, for :meth:`set_state`."""
        st = self._np.bit_generator.state
        pcg = st["state"]
        raw = (pcg["state"].to_bytes(16, "little") + pcg["inc"].to_bytes(16, "little")
               + bytes([st["has_uint32"]]) + st["uinteger"].to_bytes(4, "little")
               + self._seed.to_bytes(8, "little"))
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state returned by :meth:`get_state`."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a netlab.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not uint8:
            raise TypeError("RNG state must be a netlab.ByteTensor")
        if new_state.numel() != _STATE_BYTES:
            raise RuntimeError(f"Expected a netlab generator state of size {_STATE_BYTES} but "
                               f"found the input RNG state size to be {new_state.numel()}")
        raw = backend.to_numpy(new_state._array).tobytes()
        bit_gen = np.random.PCG64()
        bit_gen.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[0:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        self._np = np.random.Generator(bit_gen)
        self._seed = int.from_bytes(raw[37:45], "little")
        return self

    def __repr__(self):
        return f"<netlab.Generator object at {id(self):#x}>"


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator (for every device): a seeded run is reproducible.

    Examples
    --------
    >>> import netlab
    >>> _ = netlab.manual_seed(0); a = netlab.randn(2)
    >>> _ = netlab.manual_seed(0); a.tolist() == netlab.randn(2).tolist()
    True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (a uint8 tensor)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True):
    """Run a block and restore the default generator's state afterwards.

    Examples
    --------
    >>> import netlab
    >>> with netlab.random.fork_rng():
    ...     _ = netlab.rand(1)
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# ---------------------------------------------------------------------------------------------
# drawing raw numpy arrays


def _rng(generator: Generator | None) -> np.random.Generator:
    return (default_generator if generator is None else generator)._np


def _uniform(rng, shape, npdt) -> np.ndarray:
    """U[0, 1) in ``npdt``, using numpy's native float32 path where it exists."""
    if npdt == np.float32:
        return rng.random(shape, dtype=np.float32)
    if npdt == np.float16:  # multiples of 2**-11 are exact in float16 and never round up to 1
        return rng.integers(0, 2048, shape, dtype=np.int16).astype(np.float16) * np.float16(
            1 / 2048)
    return rng.random(shape).astype(npdt, copy=False)


def _normal(rng, shape, npdt) -> np.ndarray:
    if npdt == np.float64:
        return rng.standard_normal(shape)
    return rng.standard_normal(shape, dtype=np.float32).astype(npdt, copy=False)


def _exponential(rng, shape, npdt) -> np.ndarray:
    if npdt == np.float64:
        return rng.standard_exponential(shape)
    return rng.standard_exponential(shape, dtype=np.float32).astype(npdt, copy=False)


def _check_float(dt, kernel: str) -> None:
    if dt.category != 2:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{CPP_NAMES[dt.name]}'")


def _on(arr, dev):
    return backend.to_device(arr, dev)


class Sampled(Function):
    """A random draw recorded in the graph: like PyTorch, its inputs get zero gradients."""

    def __init__(self, name: str, value):
        self._backward_name = name
        self.value = value

    def forward(self, *inputs):
        self.metas = [(x.shape, x.dtype) if hasattr(x, "dtype") else None for x in inputs]
        return self.value

    def backward(self, g):
        xp = backend.get_array_module(g._array)
        grads = tuple(None if m is None else Tensor._make(xp.zeros(m[0], dtype=m[1]))
                      for m in self.metas)
        return grads if len(grads) > 1 else grads[0]


def _fill_random(t: Tensor, arr, name: str) -> Tensor:
    """Write a drawn array into ``t`` in place (a non-leaf keeps a zero-gradient history)."""
    check_inplace(t)
    arr = _on(arr.astype(t._array.dtype, copy=False), t.device)
    if is_grad_enabled() and t._requires_grad:
        return apply_inplace(t, lambda old: Sampled(name, arr)(old))
    t._array[...] = arr
    t._version_counter.value += 1
    return t


# ---------------------------------------------------------------------------------------------
# factories


def rand(*args, size=None, generator: Generator | None = None, out=None, dtype=None,
         layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """Uniform samples from [0, 1): ``rand(2, 3)`` or ``rand((2, 3))``.

    Examples
    --------
    >>> rand(2, 3).shape
    netlab.Size([2, 3])
    """
    dt, dev = resolve(dtype, device, out)
    _check_float(dt, "check_uniform_bounds")
    arr = _uniform(_rng(generator), parse_size(args, size, "rand"), dt.np)
    return finish(_on(arr, dev), requires_grad, out)


def randn(*args, size=None, generator: Generator | None = None, out=None, dtype=None,
          layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """Standard normal samples: ``randn(2, 3)`` or ``randn((2, 3))``.

    Examples
    --------
    >>> randn(4).dtype
    netlab.float32
    """
    dt, dev = resolve(dtype, device, out)
    _check_float(dt, "normal_kernel_cpu")
    arr = _normal(_rng(generator), parse_size(args, size, "randn"), dt.np)
    return finish(_on(arr, dev), requires_grad, out)


def _check_int_range(low: int, high: int, dt) -> None:
    """PyTorch's bounds checks for integers drawn from [low, high)."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    if dt.category == 2:
        return
    lo, hi = (0, 1) if dt is bool_ else (int(np.iinfo(dt.np).min), int(np.iinfo(dt.np).max))
    if low < lo:
        raise RuntimeError(f"from is out of bounds for {_C_NAMES[dt.name]}")
    if high - 1 > hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_C_NAMES[dt.name]}")


def _as_bound(v, name: str) -> int:
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, (float, np.floating)) and not float(v).is_integer():
        raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


def randint(*args, size=None, low=None, high=None, generator: Generator | None = None,
            out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
            pin_memory: bool = False):
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)``; int64 unless ``dtype`` says otherwise.

    Examples
    --------
    >>> randint(3, 10, (2, 2)).dtype
    netlab.int64
    """
    pos = list(args)
    where = ""
    if size is None:
        if not pos:
            raise TypeError("randint() missing required argument 'size'")
        size = pos.pop()
        where = f" (position {len(args)})"
    if len(pos) == 2:
        low, high = pos
    elif len(pos) == 1:
        if high is None:
            high = pos[0]
        else:
            low = pos[0]
    elif len(pos) > 2:
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args)} given)")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"randint(): argument 'size'{where} must be tuple of ints, not "
                        f"{type(size).__name__}")
    low = 0 if low is None else _as_bound(low, "low")
    high = _as_bound(high, "high")
    dt, dev = resolve(dtype, device, out, int64)
    _check_int_range(low, high, dt)
    shape = parse_size((size,), None, "randint")
    arr = _rng(generator).integers(low, high, shape, dtype=np.int64).astype(dt.np, copy=False)
    return finish(_on(arr, dev), requires_grad, out)


def randperm(n: int, *, generator: Generator | None = None, out=None, dtype=None, layout=None,
             device=None, requires_grad: bool = False, pin_memory: bool = False):
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` is given).

    Examples
    --------
    >>> sorted(randperm(4).tolist())
    [0, 1, 2, 3]
    """
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt, dev = resolve(dtype, device, out, int64)
    arr = _rng(generator).permutation(n).astype(dt.np, copy=False)
    return finish(_on(arr, dev), requires_grad, out)


def normal(mean=0.0, std=1.0, size=None, *, generator: Generator | None = None, out=None,
           dtype=None, layout=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False):
    """Normal samples with the given mean(s) and standard deviation(s).

    Forms: ``normal(mean_tensor, std_tensor)`` (broadcast), ``normal(mean_tensor, std=1.0)``,
    ``normal(mean, std_tensor)`` and ``normal(mean, std, size)``. The result has the dtype of
    the tensor mean (else of the tensor std); ``mean`` and ``std`` get zero gradients.

    Examples
    --------
    >>> import netlab
    >>> normal(netlab.zeros(3), 1.0).shape
    netlab.Size([3])
    >>> normal(2.0, 3.0, (2, 2)).dtype
    netlab.float32
    """
    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    rng = _rng(generator)
    if not (tm or ts):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float): give a size, or a tensor mean or std")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {num_str(std)}")
        dt, dev = resolve(dtype, device, out)
        _check_float(dt, "normal_kernel_cpu")
        arr = _normal(rng, parse_size((size,), None, "normal"), dt.np)
        arr = arr * dt.np.type(std) + dt.np.type(mean)
        return finish(_on(arr, dev), requires_grad, out)
    if size is not None:
        raise TypeError("normal() received an invalid combination of arguments: size is only "
                        "allowed with float mean and std")
    ref = mean if tm else std
    dt = ref.dtype
    _check_float(dt, "normal_kernel_cpu")
    if ts:
        if bool((std._array < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {num_str(std)}")
    shape = broadcast_shapes(mean.shape if tm else (), std.shape if ts else ())
    eps = _on(_normal(rng, shape, dt.np), ref.device)
    m = mean._array if tm else mean
    s = std._array if ts else std
    arr = (m + s * eps).astype(dt.np, copy=False)
    if out is not None:
        return write_out(out, Tensor._make(arr))
    name = "NormalBackward3" if tm and ts else ("NormalBackward1" if tm else "NormalBackward2")
    inputs = [x for x in (mean, std) if isinstance(x, Tensor)]
    return Sampled(name, arr)(*inputs)


def bernoulli(input: Tensor, p=None, *, generator: Generator | None = None,  # noqa: A002
              out=None) -> Tensor:
    """0/1 samples: 1 with probability ``input`` (elementwise), or with probability ``p``
    in the shape and dtype of ``input``.

    Examples
    --------
    >>> import netlab
    >>> bernoulli(netlab.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    if p is not None:
        res = _fill_random(Tensor._make(backend.get_array_module(input._array).empty_like(
            input._array)), _bernoulli_array(generator, input.shape, p), "BernoulliBackward2")
        return res if out is None else write_out(out, res)
    _check_float(input.dtype, "bernoulli_tensor_cpu_p_")
    arr = _bernoulli_array(generator, input.shape, input)
    arr = _on(arr.astype(input._array.dtype), input.device)
    if out is not None:
        return write_out(out, Tensor._make(arr))
    return Sampled("BernoulliBackward0", arr)(input)


def _bernoulli_array(generator, shape, p) -> np.ndarray:
    rng = _rng(generator)
    if isinstance(p, Tensor):
        probs = backend.to_numpy(p._array)
        if not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
        u = rng.random(shape) if probs.dtype == np.float64 else rng.random(shape, np.float32)
        return u < probs
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={num_str(p)}")
    return rng.random(shape, dtype=np.float32) < p


def multinomial(input: Tensor, num_samples: int, replacement: bool = False,  # noqa: A002
                *, generator: Generator | None = None, out=None) -> Tensor:
    """Category indices drawn from the (unnormalised) weights in each row of ``input``.

    Without replacement each row yields distinct indices, in the order they were drawn.

    Examples
    --------
    >>> import netlab
    >>> multinomial(netlab.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    """
    dt = input.dtype
    if dt.category != 2:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{CPP_NAMES[dt.name]}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    k = input.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    probs = backend.to_numpy(input._array).astype(np.float64).reshape(-1, k)
    if not bool((np.isfinite(probs) & (probs >= 0)).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.shape[0]
    totals = probs.sum(axis=1)
    if rows and not bool((totals > 0).all()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(probs, axis=1)
        idx = np.empty((rows, num_samples), dtype=np.int64)
        u = rng.random((rows, num_samples))
        last = k - 1 - np.argmax(probs[:, ::-1] > 0, axis=1)  # never pick a trailing zero
        for r in range(rows):
            idx[r] = np.minimum(np.searchsorted(cdf[r], u[r] * totals[r], side="right"), last[r])
    else:
        # exponential race: the largest p / Exp(1) keys win, in order (what PyTorch does)
        keys = probs / rng.standard_exponential((rows, k))
        idx = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples].astype(np.int64)
    shape = (num_samples,) if input.ndim == 1 else (rows, num_samples)
    res = Tensor._make(_on(idx.reshape(shape), input.device))
    return res if out is None else write_out(out, res)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype=None,  # noqa: A002
              layout=None, device=None, requires_grad: bool = False, memory_format=None):
    """U[0, 1) samples shaped like ``input`` (its dtype and device unless given).

    Examples
    --------
    >>> import netlab
    >>> rand_like(netlab.zeros(2, 2)).shape
    netlab.Size([2, 2])
    """
    dt, dev = like_args(input, dtype, device)
    return rand(input.shape, generator=generator, dtype=dt, device=dev,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype=None,  # noqa: A002
               layout=None, device=None, requires_grad: bool = False, memory_format=None):
    """Standard normal samples shaped like ``input``.

    Examples
    --------
    >>> import netlab
    >>> randn_like(netlab.zeros(3, dtype=netlab.float64)).dtype
    netlab.float64
    """
    dt, dev = like_args(input, dtype, device)
    return randn(input.shape, generator=generator, dtype=dt, device=dev,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *,  # noqa: A002
                 generator: Generator | None = None, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None):
    """Integers from [low, high) shaped like ``input``: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``; the dtype is ``input``'s unless given.

    Examples
    --------
    >>> import netlab
    >>> randint_like(netlab.zeros(2), 5).dtype
    netlab.float32
    """
    if high is None:
        low, high = 0, low
    dt, dev = like_args(input, dtype, device)
    return randint(low, high, input.shape, generator=generator, dtype=dt, device=dev,
                   requires_grad=requires_grad)


Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial
