import numpy as np
import pytest

import netlab
from tests.netlab.parity import check_op, gradcheck, gradgradcheck, randn, torch

# x.T on tensors that are not 2-D warns in both libraries
pytestmark = pytest.mark.filterwarnings("ignore:The use of `x.T`")

# (name, function working on both libraries, input shape)
UNARY = [
    ("permute", lambda x: x.permute(2, 0, 1), (2, 3, 4)),
    ("permute-neg", lambda x: x.permute(-1, 0, 1), (2, 3, 4)),
    ("transpose", lambda x: x.transpose(0, 2), (2, 3, 4)),
    ("transpose-same", lambda x: x.transpose(1, 1), (2, 3)),
    ("transpose-0d", lambda x: x.transpose(0, -1), ()),
    ("swapaxes", lambda x: x.swapaxes(0, 1), (2, 3)),
    ("swapdims", lambda x: x.swapdims(-1, 0), (2, 3, 4)),
    ("t-2d", lambda x: x.t(), (3, 4)),
    ("t-1d", lambda x: x.t(), (4,)),
    ("t-0d", lambda x: x.t(), ()),
    ("T-2d", lambda x: x.T, (3, 4)),
    ("T-3d", lambda x: x.T, (2, 3, 4)),
    ("T-1d", lambda x: x.T, (3,)),
    ("mT", lambda x: x.mT, (2, 3, 4)),
    ("mH", lambda x: x.mH, (2, 3, 4)),
    ("H", lambda x: x.H, (3, 4)),
    ("adjoint", lambda x: x.adjoint(), (2, 3, 4)),
    ("squeeze", lambda x: x.squeeze(), (3, 1, 4, 1)),
    ("squeeze-dim", lambda x: x.squeeze(1), (3, 1, 4, 1)),
    ("squeeze-noop", lambda x: x.squeeze(0), (3, 1, 4, 1)),
    ("squeeze-tuple", lambda x: x.squeeze((1, -1)), (3, 1, 4, 1)),
    ("squeeze-0d", lambda x: x.squeeze(0), ()),
    ("squeeze-empty", lambda x: x.squeeze(), (0, 1, 2)),
    ("unsqueeze", lambda x: x.unsqueeze(1), (3, 4)),
    ("unsqueeze-end", lambda x: x.unsqueeze(-1), (3, 4)),
    ("unsqueeze-0d", lambda x: x.unsqueeze(0), ()),
    ("flatten", lambda x: x.flatten(), (2, 3, 4)),
    ("flatten-range", lambda x: x.flatten(1, 2), (2, 3, 4, 2)),
    ("flatten-0d", lambda x: x.flatten(), ()),
    ("flatten-noncontig", lambda x: x.transpose(0, 1).flatten(), (2, 3, 4)),
    ("unflatten", lambda x: x.unflatten(1, (2, -1)), (3, 4)),
    ("unflatten-noncontig", lambda x: x.t().unflatten(1, (3, 1)), (3, 4)),
    ("ravel-noncontig", lambda x: x.t().ravel(), (3, 4)),
    ("view", lambda x: x.view(4, -1), (2, 3, 4)),
    ("reshape-copy", lambda x: x.t().reshape(-1), (3, 4)),
    ("expand", lambda x: x.expand(2, 3, 4), (3, 1)),
    ("repeat", lambda x: x.repeat(2, 1, 3), (3, 4)),
    ("repeat-0d", lambda x: x.repeat(2, 3), ()),
    ("repeat-zero", lambda x: x.repeat(0, 2), (3, 4)),
    ("tile", lambda x: x.tile((2,)), (3, 4)),
    ("tile-more", lambda x: x.tile((2, 1, 2)), (3, 4)),
    ("narrow", lambda x: x.narrow(1, 1, 2), (3, 4)),
    ("narrow-neg", lambda x: x.narrow(-1, -3, 2), (3, 4)),
    ("select", lambda x: x.select(1, -1), (3, 4)),
    ("select-1d", lambda x: x.select(0, 2), (4,)),
    ("flip", lambda x: x.flip(0), (3, 4)),
    ("flip-dims", lambda x: x.flip((0, 2)), (2, 3, 4)),
    ("flip-0d", lambda x: x.flip(0), ()),
    ("fliplr", lambda x: x.fliplr(), (3, 4)),
    ("flipud", lambda x: x.flipud(), (3, 4)),
    ("roll-flat", lambda x: x.roll(5), (3, 4)),
    ("roll-dim", lambda x: x.roll(-1, 0), (3, 4)),
    ("roll-dims", lambda x: x.roll((1, -2), (0, 2)), (2, 3, 4)),
    ("roll-0d", lambda x: x.roll(1), ()),
    ("roll-empty", lambda x: x.roll(1, 0), (0, 3)),
    ("movedim", lambda x: x.movedim(0, -1), (2, 3, 4)),
    ("movedim-tuple", lambda x: x.movedim((0, 1), (2, 0)), (2, 3, 4)),
    ("moveaxis", lambda x: x.moveaxis(1, 0), (2, 3, 4)),
    ("split", lambda x: x.split(2), (5, 3)),
    ("split-sizes", lambda x: x.split([1, 3], 1), (2, 4)),
    ("split-empty-dim", lambda x: x.split(2), (0, 3)),
    ("chunk", lambda x: x.chunk(3, 1), (2, 4)),
    ("chunk-many", lambda x: x.chunk(5), (3, 2)),
    ("tensor_split", lambda x: x.tensor_split(3), (7, 2)),
    ("tensor_split-idx", lambda x: x.tensor_split([1, 3], 1), (2, 5)),
    ("tensor_split-neg", lambda x: x.tensor_split([-2, 10], 1), (2, 5)),
    ("unbind", lambda x: x.unbind(1), (2, 3)),
    ("noncontig-permute", lambda x: x.t().permute(1, 0).flip(0), (3, 4)),
]


@pytest.mark.parametrize("name,fn,shape", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_shape_ops_parity(name, fn, shape, dtype):
    out = check_op(fn, fn, randn(*shape, dtype=dtype))
    x = netlab.tensor(randn(*shape), requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    outs, touts = fn(x), fn(tx)
    outs = outs if isinstance(outs, tuple) else (outs,)
    touts = touts if isinstance(touts, tuple) else (touts,)
    for a, b in zip(outs, touts):
        want = None if b.grad_fn is None else b.grad_fn.name()
        got = None if a.grad_fn is None else a.grad_fn.name()
        assert got == want, name
    assert out is not None


@pytest.mark.parametrize("name,fn,shape", [u for u in UNARY if 0 not in u[2]],
                         ids=[u[0] for u in UNARY if 0 not in u[2]])
def test_unary_shape_ops_gradcheck(name, fn, shape):
    assert gradcheck(fn, randn(*shape, dtype=np.float64))


@pytest.mark.parametrize("fn", [
    lambda x: x.t()[1:, ::2].permute(1, 0),
    lambda x: x.split(1)[1] * x.unbind(0)[0],
    lambda x: x.repeat(2, 1).flip(0).roll(1, 1),
    lambda x: netlab.cat([x, x * x], 1),
])
def test_double_backward_through_shape_ops(fn):
    assert gradgradcheck(fn, randn(2, 3, dtype=np.float64))


def test_integer_and_bool_inputs_keep_dtype():
    for fn in (lambda x: x.t(), lambda x: x.flip(0), lambda x: x.repeat(2, 1),
               lambda x: x.roll(1), lambda x: x.unsqueeze(0).squeeze(0)):
        for a in (np.arange(6).reshape(2, 3), np.array([[True, False, True]] * 2)):
            check_op(fn, fn, a)


# joining ----------------------------------------------------------------------------------

JOIN = [
    ("cat", lambda *t: _lib(t).cat(t), [(2, 3), (1, 3)]),
    ("cat-dim1", lambda *t: _lib(t).cat(t, 1), [(2, 3), (2, 1), (2, 0)]),
    ("cat-neg", lambda *t: _lib(t).cat(t, -1), [(2, 3, 2), (2, 3, 1)]),
    ("cat-legacy-empty", lambda *t: _lib(t).cat(t, 1), [(2, 3), (0,), (2, 2)]),
    ("cat-single", lambda *t: _lib(t).cat(t), [(2, 3)]),
    ("concat", lambda *t: _lib(t).concat(t, 0), [(1, 2), (3, 2)]),
    ("concatenate", lambda *t: _lib(t).concatenate(t, axis=1), [(2, 1), (2, 2)]),
    ("stack", lambda *t: _lib(t).stack(t), [(2, 3), (2, 3)]),
    ("stack-last", lambda *t: _lib(t).stack(t, -1), [(2, 3), (2, 3), (2, 3)]),
    ("stack-0d", lambda *t: _lib(t).stack(t), [(), ()]),
    ("hstack", lambda *t: _lib(t).hstack(t), [(2, 3), (2, 1)]),
    ("hstack-1d", lambda *t: _lib(t).hstack(t), [(2,), (3,)]),
    ("vstack", lambda *t: _lib(t).vstack(t), [(3,), (2, 3)]),
    ("dstack", lambda *t: _lib(t).dstack(t), [(2, 3), (2, 3)]),
    ("column_stack", lambda *t: _lib(t).column_stack(t), [(3,), (3, 2)]),
    ("atleast_2d", lambda *t: _lib(t).atleast_2d(t[0]), [(3,)]),
    ("atleast_3d", lambda *t: _lib(t).atleast_3d(t), [(3,), (), (2, 3)]),
]


def _lib(tensors):
    return netlab if isinstance(tensors[0], netlab.Tensor) else torch


@pytest.mark.parametrize("name,fn,shapes", JOIN, ids=[j[0] for j in JOIN])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_join_parity(name, fn, shapes, dtype):
    check_op(fn, fn, *[randn(*s, dtype=dtype) for s in shapes])


GRAD_JOIN = [j for j in JOIN if all(0 not in s for s in j[2]) and j[0] != "cat-legacy-empty"]


@pytest.mark.parametrize("name,fn,shapes", GRAD_JOIN, ids=[j[0] for j in GRAD_JOIN])
def test_join_gradcheck(name, fn, shapes):
    assert gradcheck(fn, *[randn(*s, dtype=np.float64) for s in shapes])


@pytest.mark.parametrize("arrays", [
    (randn(2), randn(3, dtype=np.float64)),
    (np.arange(2), randn(2)),
    (np.array([True]), np.array([1], dtype=np.uint8)),
    (np.array([1], dtype=np.int32), np.array([2], dtype=np.int64)),
])
def test_cat_and_stack_promote_dtypes(arrays):
    check_op(lambda *t: netlab.cat(t), lambda *t: torch.cat(t), *arrays)
    same = [a[:1] for a in arrays]
    check_op(lambda *t: netlab.stack(t), lambda *t: torch.stack(t), *same)


def test_cat_out_and_grad_fn_names():
    a = netlab.ones(2, requires_grad=True)
    assert netlab.cat([a, a]).grad_fn.name() == "CatBackward0"
    assert netlab.stack([a, a]).grad_fn.name() == "StackBackward0"
    out = netlab.empty(0)
    netlab.cat([netlab.ones(2), netlab.zeros(1)], out=out)
    np.testing.assert_array_equal(out.numpy(), [1, 1, 0])


# views ------------------------------------------------------------------------------------

VIEWS = [
    lambda x: x.view(-1), lambda x: x.reshape(4, 6), lambda x: x.permute(1, 2, 0),
    lambda x: x.transpose(0, 1), lambda x: x.squeeze(), lambda x: x.unsqueeze(1),
    lambda x: x.flatten(), lambda x: x.unflatten(2, (2, 2)), lambda x: x.narrow(2, 1, 2),
    lambda x: x.select(1, 2), lambda x: x.split(1)[1], lambda x: x.chunk(2, 2)[1],
    lambda x: x.unbind(2)[3], lambda x: x.tensor_split(2, 1)[1], lambda x: x.mT,
    lambda x: x.movedim(0, 2), lambda x: x[0].t(), lambda x: x.ravel(),
]
COPIES = [
    lambda x: x.repeat(1, 1, 1), lambda x: x.flip(0), lambda x: x.roll(1),
    lambda x: netlab.cat([x]), lambda x: netlab.stack([x]), lambda x: x.tile((1,)),
    lambda x: x.transpose(0, 1).reshape(-1), lambda x: x.transpose(0, 1).flatten(),
]


@pytest.mark.parametrize("fn", VIEWS)
def test_views_share_memory_and_version(fn):
    x = netlab.tensor(randn(2, 3, 4))
    y = fn(x)
    assert np.shares_memory(y._array, x._array)
    assert y._base is x
    v = x._version
    y.add_(1.0)
    assert x._version == v + 1 == y._version
    # the write through the view shows in the base
    np.testing.assert_allclose(fn(x).numpy(), y.numpy())


@pytest.mark.parametrize("fn", COPIES)
def test_copying_ops_do_not_share_memory(fn):
    x = netlab.tensor(randn(2, 3, 4))
    y = fn(x)
    assert not np.shares_memory(y._array, x._array)
    assert y._base is None


def test_view_of_noncontiguous_raises_like_torch():
    msg = "view size is not compatible with input tensor's size and stride"
    x = netlab.tensor(randn(3, 4))
    with pytest.raises(RuntimeError, match=msg):
        x.t().view(-1)
    with pytest.raises(RuntimeError, match=msg):
        x.narrow(1, 0, 2).view(-1)
    with pytest.raises(RuntimeError, match=msg):
        x.unsqueeze(0).permute(2, 1, 0).view(12)
    assert x[:2].view(-1).shape == (8,)  # row slices stay contiguous
    assert x.t().view(4, 3).shape == (4, 3)  # same shape: always a view
    assert not x.t().is_contiguous() and x.t().contiguous().is_contiguous()
    assert x.t().reshape(-1).grad_fn is None
    np.testing.assert_array_equal(x.t().reshape(-1).numpy(), x.numpy().T.reshape(-1))


# in-place view ops ------------------------------------------------------------------------

@pytest.mark.parametrize("method,args,name", [
    ("squeeze_", (), "SqueezeBackward3"), ("squeeze_", (1,), "SqueezeBackward4"),
    ("squeeze_", ((1, 2),), "SqueezeBackward5"), ("unsqueeze_", (0,), "UnsqueezeBackward1"),
    ("t_", (), "TBackward1"), ("transpose_", (0, 1), "TransposeBackward1"),
    ("swapaxes_", (1, 0), "TransposeBackward1"),
])
def test_inplace_view_ops(method, args, name):
    data = randn(3, 1, 1) if method == "squeeze_" else randn(3, 4)
    a = torch.tensor(data, requires_grad=True)
    b = netlab.tensor(data, requires_grad=True)
    ta, tb = a * 2, b * 2
    va, vb = ta._version, tb._version
    ra = getattr(ta, method)(*args)
    rb = getattr(tb, method)(*args)
    assert rb is tb and tb.shape == tuple(ta.shape)
    assert tb._version - vb == ta._version - va
    assert tb.grad_fn.name() == ta.grad_fn.name() == name
    up = randn(*ta.shape)
    (ra * torch.tensor(up)).sum().backward()
    (rb * netlab.tensor(up)).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy())
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(netlab.tensor(data, requires_grad=True), method)(*args)


def test_inplace_view_without_grad_changes_own_shape_only():
    x = netlab.zeros(3, 1)
    y = x.view(3, 1)
    y.squeeze_()
    assert y.shape == (3,) and x.shape == (3, 1)
    y[0] = 5.0
    assert x[0, 0].item() == 5.0


# errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fn,exc,match", [
    (lambda x: x.permute(1, 0), RuntimeError, "number of dimensions in the tensor input"),
    (lambda x: x.permute(0, 0, 1), RuntimeError, "duplicate dims"),
    (lambda x: x.permute(0, 1, 3), IndexError, r"Dimension out of range \(expected to be in "
                                               r"range of \[-3, 2\], but got 3\)"),
    (lambda x: x.t(), RuntimeError, "t\\(\\) expects a tensor with <= 2 dimensions, but self "
                                    "is 3D"),
    (lambda x: x[0, 0].mT, RuntimeError, "only supported on matrices or batches of matrices"),
    (lambda x: x.transpose(0, 3), IndexError, "Dimension out of range"),
    (lambda x: x.squeeze(3), IndexError, "Dimension out of range"),
    (lambda x: x.unsqueeze(4), IndexError, "Dimension out of range"),
    (lambda x: x.flatten(2, 1), RuntimeError, "start_dim cannot come after end_dim"),
    (lambda x: x.unflatten(1, (2, 2)), RuntimeError, r"Provided sizes \[2, 2\] don't multiply"),
    (lambda x: x.repeat(2), RuntimeError, "Number of dimensions of repeat dims"),
    (lambda x: x.split([1, 2]), RuntimeError, "split_with_sizes expects split_sizes to sum "
                                              "exactly to 2"),
    (lambda x: x.split(0), RuntimeError, "split_size can only be 0"),
    (lambda x: x.chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0"),
    (lambda x: x.narrow(1, 2, 2), RuntimeError, r"start \(2\) \+ length \(2\) exceeds "
                                                r"dimension size \(3\)"),
    (lambda x: x.narrow(1, 5, 0), IndexError, "start out of range"),
    (lambda x: x.select(2, 4), IndexError, r"select\(\): index 4 out of range for tensor of "
                                           r"size \[2, 3, 4\] at dimension 2"),
    (lambda x: x.flip(0, 0), RuntimeError, "dim 0 appears multiple times"),
    (lambda x: x[0, 0].fliplr(), RuntimeError, "Input must be >= 2-d"),
    (lambda x: x.roll((1, 2), 0), RuntimeError, "shifts and dimensions must align"),
    (lambda x: x.movedim((0, 1), (2,)), RuntimeError, "should contain the same number of dims"),
    (lambda x: x.view(5, -1), RuntimeError, "is invalid for input of size 24"),
    (lambda x: x.expand(3, 3, 4), RuntimeError, "must match the existing size"),
    (lambda x: x.unbind(3), IndexError, "Dimension out of range"),
])
def test_shape_errors_match_torch(fn, exc, match):
    x = netlab.tensor(randn(2, 3, 4))
    with pytest.raises(exc, match=match):
        fn(x)
    with pytest.raises(exc):
        fn(torch.tensor(x.numpy()))


@pytest.mark.parametrize("fn,exc,match", [
    (lambda m, a, b: m.cat([]), (ValueError, RuntimeError), "non-empty"),
    (lambda m, a, b: m.cat([a, b]), RuntimeError, "Sizes of tensors must match except in "
                                                  "dimension 0. Expected size 3 but got size 4 "
                                                  "for tensor number 1 in the list."),
    (lambda m, a, b: m.cat([a, b[0]]), RuntimeError, "Tensors must have same number of "
                                                     "dimensions: got 2 and 1"),
    (lambda m, a, b: m.cat([a[0, 0], a[0, 0]]), RuntimeError, r"zero-dimensional tensor \(at "
                                                              r"position 0\) cannot be"),
    (lambda m, a, b: m.cat([a, a], 2), IndexError, "Dimension out of range"),
    (lambda m, a, b: m.stack([a, b]), RuntimeError, r"stack expects each tensor to be equal "
                                                    r"size, but got \[2, 3\] at entry 0 and "
                                                    r"\[2, 4\] at entry 1"),
    (lambda m, a, b: m.stack([]), RuntimeError, "non-empty TensorList"),
    (lambda m, a, b: m.stack([a, a], 3), IndexError, "Dimension out of range"),
])
def test_join_errors_match_torch(fn, exc, match):
    a, b = randn(2, 3), randn(2, 4)
    with pytest.raises(exc, match=match):
        fn(netlab, netlab.tensor(a), netlab.tensor(b))
    with pytest.raises(exc, match=match.replace("netlab", "torch")):
        fn(torch, torch.tensor(a), torch.tensor(b))


def test_broadcast_tensors_and_shapes():
    a, b = netlab.ones(3, 1), netlab.zeros(4)
    x, y = netlab.broadcast_tensors(a, b)
    assert x.shape == y.shape == (3, 4)
    assert np.shares_memory(x._array, a._array) and x._base is a
    assert a.expand(2, 3, 4)._base is a
    assert netlab.broadcast_shapes((3, 1), (4,), 1) == torch.broadcast_shapes((3, 1), (4,), 1)
    with pytest.raises(RuntimeError, match="must match the size of tensor b"):
        netlab.broadcast_shapes((3,), (4,))


def test_T_deprecation_warnings():
    with pytest.warns(UserWarning, match="dimension other than 2"):
        netlab.zeros(2, 3, 4).T
    with pytest.warns(UserWarning, match="deprecated on 0-D tensors"):
        netlab.tensor(1.0).T


@pytest.mark.parametrize("n,chunks", [(0, 3), (0, 1), (5, 3), (2, 4), (7, 3)])
def test_chunk_counts_match_torch(n, chunks):
    got = [t.shape for t in netlab.zeros(n, 3).chunk(chunks)]
    want = [tuple(t.shape) for t in torch.zeros(n, 3).chunk(chunks)]
    assert [tuple(g) for g in got] == want
