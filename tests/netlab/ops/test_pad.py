import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

F = torch.nn.functional

CONSTANT = [
    ((1, 4), (1, 2)), ((1, 4), (-1, 2)), ((2, 3, 4), (1, 1, 2, 0)), ((2, 3, 4), (0, 0, 0, 0, 1, 2)),
    ((3,), (2, 1)), ((2, 3), (-1, -2)), ((2, 3), (-1, -1, 1, 0)), ((0, 2), (1, 1, 1, 1)),
    ((), ()), ((2, 3, 4, 5), (1, 0, 0, 1)),
]
MODES = ["reflect", "replicate", "circular"]
NONCONST = [
    ((2, 5), (1, 2)), ((1, 3, 5), (2, 0)), ((1, 3, 5), (-1, 2)), ((1, 3, 5), (2, -2)),
    ((3, 4, 5), (1, 2, 2, 1)), ((2, 1, 4, 5), (1, 1, 0, 3)), ((2, 4, 5), (-1, 1, 1, -1)),
    ((1, 3, 3, 4), (1, 1, 1, 1, 2, 0)), ((2, 1, 3, 3, 4), (0, 2, 1, 0, 1, 1)),
    ((0, 3, 5), (1, 1)),
]


@pytest.mark.parametrize("shape,pads", CONSTANT)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_pad_parity(shape, pads, dtype):
    x = randn(*shape, dtype=dtype)
    check_op(lambda a: netlab.pad(a, pads), lambda a: F.pad(a, pads), x)
    check_op(lambda a: netlab.pad(a, pads, value=-1.5), lambda a: F.pad(a, pads, value=-1.5), x)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape,pads", NONCONST)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonconstant_pad_parity(mode, shape, pads, dtype):
    if mode == "reflect" and max(pads) >= min(shape[-len(pads) // 2:]):
        pytest.skip("reflect needs pad < size")
    x = randn(*shape, dtype=dtype)
    check_op(lambda a: netlab.pad(a, pads, mode=mode), lambda a: F.pad(a, pads, mode=mode), x)


def test_pad_limits_and_grad_fn_names():
    x = netlab.tensor(randn(1, 4), requires_grad=True)
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    for mode, pads in [("constant", (1, 1)), ("reflect", (3, 0)), ("replicate", (6, 1)),
                       ("circular", (4, 4)), ("reflect", (1, 1, 0, 0)),
                       ("replicate", (1, 1, 1, 1, 1, 1))]:
        a = netlab.pad(x[None, None] if len(pads) == 6 else x[None] if len(pads) == 4 else x,
                       pads, mode=mode)
        b = F.pad(t[None, None] if len(pads) == 6 else t[None] if len(pads) == 4 else t,
                  pads, mode=mode)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert b.grad_fn.name().endswith(a.grad_fn.name())
    # integer tensors pad too; the constant is cast
    check_op(lambda a: netlab.pad(a, (1, 1), value=2.5), lambda a: F.pad(a, (1, 1), value=2.5),
             np.array([1, 2]))
    for mode in MODES:
        check_op(lambda a, m=mode: netlab.pad(a, (1, 1), mode=m),
                 lambda a, m=mode: F.pad(a, (1, 1), mode=m), np.array([[1, 2, 3]]))


@pytest.mark.parametrize("mode,shape,pads", [
    ("constant", (2, 3), (1, -1, 2, 0)), ("reflect", (2, 4), (2, 3)),
    ("reflect", (1, 3, 4), (-1, 2, 1, 2)), ("replicate", (1, 2, 3), (3, 1, 0, 2)),
    ("circular", (1, 2, 3), (2, -1, 1, 2)), ("replicate", (1, 2, 2, 2), (1, 0, 2, 1, 1, 1)),
])
def test_pad_gradcheck(mode, shape, pads):
    x = randn(*shape, dtype=np.float64)
    assert gradcheck(lambda a: netlab.pad(a, pads, mode=mode), x)
    assert gradgradcheck(lambda a: netlab.pad(a, pads, mode=mode) ** 2, x)


def test_pad_output_is_a_copy():
    x = netlab.tensor(randn(1, 3))
    for mode in ["constant", *MODES]:
        y = netlab.pad(x, (1, 1), mode=mode)
        assert not np.shares_memory(y._array, x._array) and y._base is None


@pytest.mark.parametrize("shape,pads,kwargs,exc,match", [
    ((1, 4), (1,), {}, RuntimeError, "Padding length must be divisible by 2"),
    ((1, 4), (1, 1, 1, 1, 1, 1), {}, RuntimeError, "Padding length should be less than or equal "
                                                   "to two times the input dimension but got "
                                                   "padding length 6 and input of dimension 2"),
    ((1, 4), (1, 1), {"mode": "foo"}, NotImplementedError, "Unrecognised padding mode foo"),
    ((1, 4), (1, 1), {"mode": "reflect", "value": 1.0}, RuntimeError,
     'Padding mode "reflect" doesn\'t take in value argument'),
    ((4,), (1, 1), {"mode": "reflect"}, NotImplementedError,
     "Padding size 2 is not supported for 1D input tensor"),
    ((2, 3), (1, 1, 1, 1), {"mode": "replicate"}, NotImplementedError,
     "Padding size 4 is not supported for 2D input tensor"),
    ((1, 1, 2, 3, 4), (1,) * 8, {"mode": "circular"}, NotImplementedError,
     "Padding size 8 is not supported for 5D input tensor"),
    ((1, 4), (4, 0), {"mode": "reflect"}, RuntimeError,
     r"Padding size should be less than the corresponding input dimension, but got: padding "
     r"\(4, 0\) at dimension 1 of input \[1, 4\]"),
    ((1, 4), (5, 0), {"mode": "circular"}, RuntimeError,
     "Padding value causes wrapping around more than once"),
    ((3, 0), (1, 1), {"mode": "replicate"}, RuntimeError,
     r"Expected 2D or 3D \(batch mode\) tensor with possibly 0 batch size and other non-zero "
     r"dimensions for input, but got: \[3, 0\]"),
    ((1, 5), (0, -5), {"mode": "reflect"}, RuntimeError, r"input \(W: 5\) is too small"),
])
def test_pad_errors(shape, pads, kwargs, exc, match):
    x = randn(*shape)
    with pytest.raises(exc, match=match):
        netlab.pad(netlab.tensor(x), pads, **kwargs)
    with pytest.raises(exc, match=match):
        F.pad(torch.tensor(x), pads, **kwargs)


def test_constant_pad_negative_output_raises():
    with pytest.raises(RuntimeError, match="negative output size"):
        netlab.pad(netlab.zeros(1, 4), (-3, -2))
