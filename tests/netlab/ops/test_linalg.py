"""Linear algebra: products, matrix structure, decompositions and einsum against PyTorch."""

import warnings

import numpy as np
import pytest

import netlab
from tests.netlab.parity import (
    assert_close,
    check_op,
    gradcheck,
    gradgradcheck,
    randn,
    to_torch,
    torch,
)

F32, F64 = np.float32, np.float64
# float32 products: netlab's BLAS (OpenBLAS through numpy) and PyTorch's (MKL/own kernels) sum
# in different orders and blockings, so results differ by a few ulps times sqrt(k); 1e-4/1e-5
# covers k up to a few hundred with margin while still catching any wrong index or transpose
MM_TOL = {"rtol": 1e-4, "atol": 1e-5}


def tol(dtype):
    return MM_TOL if dtype == F32 else {}


# ---------------------------------------------------------------------------------------------
# matmul and friends

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)),
    ((2, 1, 4, 3), (1, 3, 3, 2)), ((2, 3, 4, 3), (3,)),
    # empty dims: no rows, no inner dim (the product is zeros), no batch
    ((0, 3), (3, 4)), ((2, 0), (0, 4)), ((0,), (0,)), ((5, 0, 3), (3, 2)), ((0, 2, 3), (3, 4)),
    ((2, 0), (0,)), ((3, 2, 0), (0, 4)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", [F32, F64])
def test_matmul_parity(sa, sb, dtype):
    check_op(netlab.matmul, torch.matmul, randn(*sa, dtype=dtype), randn(*sb, dtype=dtype),
             **tol(dtype))
    check_op(lambda a, b: a @ b, lambda a, b: a @ b, randn(*sa, dtype=dtype),
             randn(*sb, dtype=dtype), **tol(dtype))


@pytest.mark.parametrize("sa,sb,name", [
    ((3,), (3,), "DotBackward0"), ((2, 3), (3,), "MvBackward0"), ((2, 3), (3, 4), "MmBackward0"),
    ((5, 2, 3), (3, 4), "UnsafeViewBackward0"), ((5, 2, 3), (3,), "UnsafeViewBackward0"),
])
def test_matmul_grad_fn_names(sa, sb, name):
    a = netlab.randn(*sa, requires_grad=True)
    b = netlab.randn(*sb)
    assert (a @ b).grad_fn.name() == name
    ta = torch.randn(*sa, requires_grad=True)
    assert (ta @ torch.randn(*sb)).grad_fn.name() == name


@pytest.mark.parametrize("dtype", [F32, F64])
def test_product_functions(dtype):
    r = lambda *s: randn(*s, dtype=dtype)  # noqa: E731
    check_op(netlab.mm, torch.mm, r(4, 3), r(3, 5), **tol(dtype))
    check_op(netlab.bmm, torch.bmm, r(2, 4, 3), r(2, 3, 5), **tol(dtype))
    check_op(netlab.bmm, torch.bmm, r(0, 4, 3), r(0, 3, 5), **tol(dtype))
    check_op(netlab.dot, torch.dot, r(7), r(7), **tol(dtype))
    check_op(netlab.vdot, torch.vdot, r(7), r(7), **tol(dtype))
    check_op(netlab.mv, torch.mv, r(4, 3), r(3), **tol(dtype))
    check_op(netlab.outer, torch.outer, r(4), r(3), **tol(dtype))
    check_op(netlab.ger, torch.outer, r(0), r(3), **tol(dtype))
    check_op(lambda c, a, b: netlab.addmm(c, a, b, beta=0.5, alpha=2),
             lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2), r(5), r(4, 3), r(3, 5),
             **tol(dtype))
    check_op(netlab.addmm, torch.addmm, r(4, 5), r(4, 3), r(3, 5), **tol(dtype))
    # methods, transposed (non-contiguous) operands
    check_op(lambda a, b: a.mT.mm(b.mT), lambda a, b: a.mT.mm(b.mT), r(3, 4), r(5, 3),
             **tol(dtype))
    check_op(lambda a, b: a.mT.matmul(b), lambda a, b: a.mT.matmul(b), r(2, 3, 4), r(3, 5),
             **tol(dtype))


def test_grad_fn_names_of_products():
    a, b = netlab.randn(2, 3, requires_grad=True), netlab.randn(3, 2, requires_grad=True)
    assert netlab.mm(a, b).grad_fn.name() == "MmBackward0"
    assert netlab.bmm(a[None], b[None]).grad_fn.name() == "BmmBackward0"
    assert netlab.dot(a[0], b[:, 0]).grad_fn.name() == "DotBackward0"
    assert netlab.vdot(a[0], b[:, 0]).grad_fn.name() == "VdotBackward0"
    assert netlab.mv(a, b[:, 0]).grad_fn.name() == "MvBackward0"
    assert netlab.addmm(a[:, :2], a, b).grad_fn.name() == "AddmmBackward0"
    assert netlab.outer(a[0], b[0]).grad_fn.name() == "MulBackward0"


def test_integer_and_half_products():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.arange(12, dtype=np.int64).reshape(3, 4)
    for fn in (netlab.mm, netlab.matmul):
        got = fn(netlab.tensor(a), netlab.tensor(b))
        assert_close(got, torch.mm(torch.from_numpy(a), torch.from_numpy(b)))
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    got = netlab.tensor(x) @ netlab.tensor(x.T.copy())
    assert got.dtype == netlab.int32
    h = randn(2, 3).astype(np.float16)
    got = netlab.mm(netlab.tensor(h), netlab.tensor(h.T.copy()))
    want = torch.mm(torch.from_numpy(h), torch.from_numpy(h.T.copy()))
    assert_close(got, want, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("fn,args,exc,msg", [
    (netlab.mm, ((2, 3), (4, 5)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (netlab.mm, ((3,), (3, 5)), RuntimeError, "self must be a matrix"),
    (netlab.mm, ((2, 3), (3,)), RuntimeError, "mat2 must be a matrix"),
    (netlab.matmul, ((2, 3), (4, 5)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
    (netlab.matmul, ((), (3, 5)), RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 2D"),
    (netlab.matmul, ((3,), (4,)), RuntimeError,
     r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
    (netlab.matmul, ((2, 3), (4,)), RuntimeError,
     r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    (netlab.matmul, ((3,), (4, 2)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 4x2\)"),
    (netlab.matmul, ((5, 2, 3), (4, 2)), RuntimeError,
     r"mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x2\)"),
    (netlab.matmul, ((5, 2, 3), (4,)), RuntimeError,
     r"size mismatch, got input \(10\), mat \(10x3\), vec \(4\)"),
    (netlab.matmul, ((5, 2, 3), (5, 4, 2)), RuntimeError,
     r"Expected size for first two dimensions of batch2 tensor to be: \[5, 3\] but got: "
     r"\[5, 4\]\."),
    (netlab.matmul, ((2, 1, 2, 3), (5, 4, 2)), RuntimeError,
     r"to be: \[10, 3\] but got: \[10, 4\]\."),
    (netlab.matmul, ((5, 2, 3), (4, 3, 2)), RuntimeError,
     r"The size of tensor a \(5\) must match the size of tensor b \(4\)"),
    (netlab.bmm, ((5, 2, 3), (4, 3, 2)), RuntimeError,
     r"to be: \[5, 3\] but got: \[4, 3\]\."),
    (netlab.bmm, ((2, 3), (3, 2)), RuntimeError, "batch1 must be a 3D tensor"),
    (netlab.dot, ((3, 1), (3,)), RuntimeError, "1D tensors expected, but got 2D and 1D tensors"),
    (netlab.mv, ((3,), (3,)), RuntimeError, "vector \\+ matrix @ vector expected, got 1, 1, 1"),
    (netlab.outer, ((2, 1), (3,)), RuntimeError, "outer: Expected 1-D argument self, but got 2-D"),
])
def test_product_shape_errors(fn, args, exc, msg):
    with pytest.raises(exc, match=msg):
        fn(*(netlab.randn(s) for s in args))
    with pytest.raises(exc, match=msg):  # the oracle agrees
        getattr(torch, fn.__name__)(*(torch.randn(s) for s in args))


@pytest.mark.parametrize("fn,sa,sb,msg", [
    ("mm", (2, 3), (3, 5), "expected m1 and m2 to have the same dtype, but got: float != double"),
    ("matmul", (5, 2, 3), (3, 2), "expected m1 and m2 to have the same dtype, but got: float != "
                                  "double"),
    ("matmul", (3,), (3,), "dot : expected both vectors to have same dtype, but found Float and "
                           "Double"),
    ("matmul", (2, 3), (3,), "addmv input tensors must have the same dtype, but got Double, "
                             "Float, and Double"),
    ("matmul", (5, 2, 3), (5, 3, 2), "expected scalar type Float but found Double"),
    ("bmm", (5, 2, 3), (5, 3, 2), "expected scalar type Float but found Double"),
])
def test_products_do_not_promote(fn, sa, sb, msg):
    for lib in (netlab, torch):
        with pytest.raises(RuntimeError, match=msg):
            getattr(lib, fn)(lib.randn(*sa), lib.randn(*sb, dtype=lib.float64))
    with pytest.raises(RuntimeError, match="long int != float"):
        netlab.mm(netlab.ones(2, 3, dtype=netlab.int64), netlab.ones(3, 2))
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        netlab.ones(2, 2, dtype=netlab.bool) @ netlab.ones(2, 2, dtype=netlab.bool)


def test_matmul_operator_with_non_tensors():
    x = netlab.ones(2, 2)
    with pytest.raises(TypeError):
        x @ [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="must be Tensor"):
        netlab.matmul(x, [[1.0]])


def test_matmul_out_and_no_extra_graph():
    a, b = netlab.randn(2, 3), netlab.randn(3, 4)
    out = netlab.empty(0)
    netlab.matmul(a, b, out=out)
    assert_close(out, torch.from_numpy(a.numpy()) @ torch.from_numpy(b.numpy()), **MM_TOL)
    y = a @ b
    assert y.grad_fn is None and not y.requires_grad


def test_weight_gradient_sums_over_broadcast_batch():
    """(N, L, k) @ (k, n): the weight gradient is the sum over all N*L rows."""
    x, w = randn(4, 6, 5, dtype=F64), randn(5, 3, dtype=F64)
    xt, wt = netlab.tensor(x), netlab.tensor(w, requires_grad=True)
    (xt @ wt).sum().backward()
    np.testing.assert_allclose(wt.grad.numpy(), x.reshape(-1, 5).sum(0)[:, None].repeat(3, 1))


@pytest.mark.parametrize("fn,shapes", [
    (netlab.mm, [(3, 4), (4, 2)]),
    (netlab.matmul, [(3,), (3,)]),
    (netlab.matmul, [(2, 3), (3,)]),
    (netlab.matmul, [(3,), (3, 2)]),
    (netlab.matmul, [(2, 2, 3), (3, 2)]),
    (netlab.matmul, [(2, 3), (2, 3, 2)]),
    (netlab.matmul, [(2, 1, 2, 3), (3, 3, 2)]),
    (netlab.matmul, [(3,), (2, 3, 2)]),
    (netlab.matmul, [(2, 2, 3), (3,)]),
    (lambda a, b: a.mT @ b.mT, [(3, 2), (2, 3)]),
    (netlab.bmm, [(2, 2, 3), (2, 3, 2)]),
    (netlab.mv, [(2, 3), (3,)]),
    (netlab.dot, [(4,), (4,)]),
    (netlab.outer, [(3,), (2,)]),
    (lambda c, a, b: netlab.addmm(c, a, b, beta=0.5, alpha=-2), [(2,), (3, 2), (2, 2)]),
])
def test_matmul_family_gradcheck_and_gradgradcheck(fn, shapes):
    arrays = [randn(*s, dtype=F64) for s in shapes]
    assert gradcheck(fn, *arrays)
    assert gradgradcheck(fn, *arrays)


# ---------------------------------------------------------------------------------------------
# matrix structure

@pytest.mark.parametrize("dtype", [F32, F64])
def test_structure_parity(dtype):
    r = lambda *s: randn(*s, dtype=dtype)  # noqa: E731
    for shape in [(3, 3), (2, 4), (4, 2), (0, 3)]:
        check_op(netlab.trace, torch.trace, r(*shape))
    for k in (0, 1, -1, 3, -5):
        check_op(lambda x, k=k: netlab.diag(x, k), lambda x, k=k: torch.diag(x, k), r(3))
        check_op(lambda x, k=k: netlab.diag(x, k), lambda x, k=k: torch.diag(x, k), r(3, 4))
        check_op(lambda x, k=k: x.diag(k), lambda x, k=k: x.diag(k), r(4, 2))
        check_op(lambda x, k=k: netlab.triu(x, k), lambda x, k=k: torch.triu(x, k), r(2, 3, 4))
        check_op(lambda x, k=k: netlab.tril(x, k), lambda x, k=k: torch.tril(x, k), r(4, 3))
    check_op(netlab.diag, torch.diag, r(0))
    check_op(netlab.triu, torch.triu, r(0, 3))
    for a in [(0, 0, 1), (1, -1, 0), (-1, 2, 0), (2, 1, 2)]:
        check_op(lambda x, a=a: netlab.diagonal(x, *a), lambda x, a=a: torch.diagonal(x, *a),
                 r(3, 4, 5))
        check_op(lambda x, a=a: netlab.diag_embed(x, *a),
                 lambda x, a=a: torch.diag_embed(x, *a), r(2, 3))
    check_op(lambda x: netlab.linalg.diagonal(x, offset=1),
             lambda x: torch.linalg.diagonal(x, offset=1), r(2, 3, 4))


def test_structure_dtypes_names_and_errors():
    i = np.arange(9, dtype=np.int32).reshape(3, 3)
    assert netlab.trace(netlab.tensor(i)).dtype == netlab.int64
    assert_close(netlab.trace(netlab.tensor(i)), torch.trace(torch.from_numpy(i)))
    assert_close(netlab.triu(netlab.tensor(i), 1), torch.triu(torch.from_numpy(i), 1))
    x = netlab.randn(3, 3, requires_grad=True)
    assert netlab.trace(x).grad_fn.name() == "TraceBackward0"
    assert netlab.diag(x).grad_fn.name() == "DiagonalBackward0_copy"
    assert netlab.diag(x[0]).grad_fn.name() == "DiagEmbedBackward0"
    assert netlab.diagonal(x).grad_fn.name() == "DiagonalBackward0"
    assert netlab.triu(x).grad_fn.name() == "TriuBackward0"
    assert netlab.tril(x).grad_fn.name() == "TrilBackward0"
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 1"):
        netlab.trace(netlab.ones(3))
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        netlab.diag(netlab.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="triu: input tensor must have at least 2 dimensions"):
        netlab.triu(netlab.ones(3))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        netlab.diagonal(netlab.ones(2, 2), 0, 1, 1)


def test_diagonal_is_a_view_and_diag_a_copy():
    x = netlab.zeros(3, 3)
    d = x.diagonal()
    d += 1
    assert x._version == d._version == 1
    np.testing.assert_array_equal(x.numpy(), np.eye(3))
    c = x.diag()
    c += 1
    np.testing.assert_array_equal(x.numpy(), np.eye(3))


def test_triu_tril_inplace():
    a = randn(3, 4)
    x = netlab.tensor(a)
    assert x.triu_(1) is x
    np.testing.assert_array_equal(x.numpy(), np.triu(a, 1))
    x = netlab.tensor(a)
    x.tril_(-1)
    np.testing.assert_array_equal(x.numpy(), np.tril(a, -1))
    # on a non-leaf inside a graph: gradient flows through the in-place op
    w = netlab.tensor(a, requires_grad=True)
    y = w * 2
    y.tril_()
    y.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * np.tril(np.ones((3, 4))))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        netlab.randn(3, 3, requires_grad=True).triu_()


@pytest.mark.parametrize("fn,shape", [
    (netlab.trace, (3, 4)), (lambda x: netlab.diag(x, 1), (3,)),
    (lambda x: netlab.diag(x, -1), (3, 4)), (lambda x: netlab.diagonal(x, 1, 0, 2), (3, 2, 4)),
    (lambda x: netlab.diag_embed(x, -1, 0, 2), (2, 3)), (lambda x: netlab.triu(x, 1), (2, 3, 3)),
    (lambda x: netlab.tril(x, -1), (3, 4)),
])
def test_structure_gradcheck(fn, shape):
    x = randn(*shape, dtype=F64)
    assert gradcheck(fn, x)
    assert gradgradcheck(fn, x)


# ---------------------------------------------------------------------------------------------
# cross

@pytest.mark.parametrize("sa,sb,dim", [
    ((3,), (3,), -1), ((4, 3), (4, 3), -1), ((1, 3), (4, 3), -1), ((3, 5), (3, 1), 0),
    ((2, 3, 4), (2, 3, 4), 1), ((0, 3), (0, 3), -1),
])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_cross_parity(sa, sb, dim, dtype):
    check_op(lambda a, b: netlab.linalg.cross(a, b, dim=dim),
             lambda a, b: torch.linalg.cross(a, b, dim=dim), randn(*sa, dtype=dtype),
             randn(*sb, dtype=dtype))
    check_op(lambda a, b: a.cross(b, dim), lambda a, b: a.cross(b, dim),
             randn(*sa, dtype=dtype), randn(*sb, dtype=dtype))


def test_cross_default_dim_errors_and_grad():
    a, b = randn(3, 2), randn(3, 2)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        got = netlab.cross(netlab.tensor(a), netlab.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(got, torch.cross(torch.from_numpy(a), torch.from_numpy(b)))
    with pytest.raises(RuntimeError, match="linalg.cross: inputs dimension -1 must have length "
                                           "3. Got 2 and 2"):
        netlab.linalg.cross(netlab.ones(3, 2), netlab.ones(3, 2))
    with pytest.raises(RuntimeError, match="inputs must have the same number of dimensions"):
        netlab.linalg.cross(netlab.ones(3, 3), netlab.ones(3))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        netlab.linalg.cross(netlab.ones(3), netlab.ones(3, dtype=netlab.float64))
    x = netlab.randn(2, 3, requires_grad=True)
    assert netlab.linalg.cross(x, x).grad_fn.name() == "LinalgCrossBackward0"
    assert gradcheck(lambda p, q: netlab.linalg.cross(p, q), randn(1, 3, dtype=F64),
                     randn(2, 3, dtype=F64))
    assert gradgradcheck(lambda p, q: netlab.linalg.cross(p, q), randn(2, 3, dtype=F64),
                         randn(2, 3, dtype=F64))


# ---------------------------------------------------------------------------------------------
# inverse, det, slogdet

def well_conditioned(*shape, dtype=F64):
    n = shape[-1]
    return (randn(*shape, dtype=dtype) + 3 * np.eye(n, dtype=dtype)).astype(dtype)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (0, 2, 2), (0, 0)])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_inverse_det_slogdet_parity(shape, dtype):
    a = well_conditioned(*shape, dtype=dtype)
    check_op(netlab.inverse, torch.inverse, a, **tol(dtype))
    check_op(netlab.linalg.inv, torch.linalg.inv, a, **tol(dtype))
    check_op(netlab.det, torch.det, a, **tol(dtype))
    check_op(netlab.linalg.det, torch.linalg.det, a, **tol(dtype))
    check_op(lambda x: netlab.slogdet(x)[1], lambda x: torch.slogdet(x)[1], a, **tol(dtype))
    check_op(lambda x: netlab.linalg.slogdet(x).sign, lambda x: torch.linalg.slogdet(x).sign, a,
             grad=False)
    check_op(netlab.logdet, torch.logdet, a @ a.swapaxes(-1, -2), **tol(dtype))


def test_decomposition_names_and_errors():
    x = netlab.tensor(well_conditioned(3, 3), requires_grad=True)
    assert x.inverse().grad_fn.name() == "LinalgInvExBackward0"
    assert x.det().grad_fn.name() == "LinalgDetBackward0"
    assert x.slogdet()[1].grad_fn.name() == "LinalgSlogdetBackward0"
    with pytest.raises(netlab.linalg.LinAlgError, match="linalg.inv: The diagonal element 1 is "
                                                        "zero, the inversion could not be "
                                                        "completed because the input matrix is "
                                                        "singular."):
        netlab.inverse(netlab.zeros(2, 2))
    sing = np.array([[[1.0, 0], [0, 1]], [[1.0, 2.0], [2.0, 4.0]]])
    msg = r"\(Batch element 1\): The diagonal element 2 is zero"
    for lib in (netlab, torch):
        with pytest.raises(RuntimeError, match=msg):
            lib.linalg.inv(lib.tensor(sing))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 "
                                           "by 3 matrices"):
        netlab.det(netlab.ones(2, 3))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as "
                                           "input. Got Long"):
        netlab.inverse(netlab.ones(2, 2, dtype=netlab.int64))
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        netlab.linalg.inv(netlab.ones(3))


def _cofactor(a):
    """The cofactor matrix from minors: the exact gradient of det, singular or not."""
    n = a.shape[-1]
    c = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, -2), j, -1)
            c[..., i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return c


def test_det_of_singular_matrices():
    """Forward is 0 as in PyTorch. The gradient is the cofactor matrix, which stays defined at
    singular matrices; PyTorch 2.13 returns zeros there instead (pytorch/pytorch#104675), so
    the gradient is checked against the cofactors and finite differences, not the oracle."""
    cases = [np.array([[1.0, 2.0], [2.0, 4.0]]), np.zeros((2, 2)),
             np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
             np.stack([np.eye(3) * 2, np.ones((3, 3)), np.diag([1.0, 2.0, 0.0])])]
    for a in cases:
        check_op(netlab.det, torch.det, a, grad=False, atol=1e-12)
        x = netlab.tensor(a, requires_grad=True)
        netlab.det(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), _cofactor(a), atol=1e-12)
    assert gradcheck(netlab.det, cases[2])


@pytest.mark.parametrize("fn", [netlab.inverse, netlab.det, lambda x: netlab.slogdet(x)[1],
                                netlab.logdet])
def test_decomposition_gradcheck(fn):
    a = well_conditioned(2, 3, 3)
    if fn is netlab.logdet:
        a = a @ a.swapaxes(-1, -2)
    assert gradcheck(fn, a)
    assert gradgradcheck(fn, a)


# ---------------------------------------------------------------------------------------------
# svd

def _align(u, ut):
    """Singular vectors are unique up to sign: flip netlab's columns to match torch's."""
    s = np.sign((u * ut).sum(-2, keepdims=True))
    return u * np.where(s == 0, 1, s)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3), (3, 1)])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("dtype", [F32, F64])
def test_svd_forward(shape, full, dtype):
    a = randn(*shape, dtype=dtype)
    u, s, vh = netlab.linalg.svd(netlab.tensor(a), full_matrices=full)
    ut, st, vht = torch.linalg.svd(torch.from_numpy(a), full_matrices=full)
    r, at = (1e-4, 1e-5) if dtype == F32 else (1e-10, 1e-12)
    assert_close(s, st, r, at)
    assert u.shape == ut.shape and vh.shape == vht.shape and u.dtype == netlab.as_dtype(dtype)
    k = min(shape[-2:])
    un, unt = u.numpy()[..., :k], ut.numpy()[..., :k]
    np.testing.assert_allclose(_align(un, unt), unt, rtol=r * 10, atol=at * 10)
    np.testing.assert_allclose((un * s.numpy()[..., None, :]) @ vh.numpy()[..., :k, :], a,
                               rtol=r * 10, atol=at * 10)
    # full factors are orthogonal
    eye = np.eye(u.shape[-1])
    np.testing.assert_allclose(u.numpy().swapaxes(-1, -2) @ u.numpy(), np.broadcast_to(
        eye, u.shape[:-2] + eye.shape), atol=at * 100)
    assert_close(netlab.linalg.svdvals(netlab.tensor(a)), st, r, at)


def test_svd_legacy_api_and_empty():
    a = randn(4, 3, dtype=F64)
    u, s, v = netlab.svd(netlab.tensor(a))
    assert (u.shape, s.shape, v.shape) == ((4, 3), (3,), (3, 3))
    np.testing.assert_allclose(u.numpy() * s.numpy() @ v.numpy().T, a, atol=1e-12)
    u, s, v = netlab.tensor(a).svd(some=False)
    assert (u.shape, v.shape) == ((4, 4), (3, 3))
    u, s, v = netlab.svd(netlab.tensor(a), compute_uv=False)
    assert not u.numpy().any() and not v.numpy().any() and u.shape == (4, 3)
    assert_close(s, torch.linalg.svdvals(torch.from_numpy(a)))
    for shape, full in [((0, 3), True), ((2, 0, 3), False)]:
        got = netlab.linalg.svd(netlab.zeros(*shape), full_matrices=full)
        want = torch.linalg.svd(torch.zeros(*shape), full_matrices=full)
        for g, w in zip(got, want):
            assert_close(g, w)
    with pytest.raises(RuntimeError, match="linalg.svd: Expected a floating point"):
        netlab.linalg.svd(netlab.ones(2, 2, dtype=netlab.int64))


SVD_LOSSES = [  # gauge-invariant functions of the factors (sign flips cancel)
    ("S", lambda u, s, vh: s),
    ("UVh", lambda u, s, vh: u[..., :, :s.shape[-1]] @ vh[..., :s.shape[-1], :]),
    ("U^2", lambda u, s, vh: u[..., :, :s.shape[-1]] ** 2),
    ("Vh^2*S", lambda u, s, vh: vh[..., :s.shape[-1], :] ** 2 * s[..., :, None]),
]


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("loss", SVD_LOSSES, ids=[name for name, _ in SVD_LOSSES])
def test_svd_gradients_match_torch(shape, full, loss):
    f = loss[1]
    check_op(lambda x: f(*netlab.linalg.svd(x, full_matrices=full)),
             lambda x: f(*torch.linalg.svd(x, full_matrices=full)), randn(*shape, dtype=F64),
             rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (3, 3)])
def test_svd_gradcheck(shape):
    a = randn(*shape, dtype=F64)
    for _, f in SVD_LOSSES:
        assert gradcheck(lambda x, f=f: f(*netlab.linalg.svd(x, full_matrices=False)), a)
    assert gradcheck(netlab.linalg.svdvals, a)
    assert gradcheck(lambda x: netlab.svd(x)[2] ** 2, a)
    assert gradgradcheck(netlab.linalg.svdvals, a)
    assert gradgradcheck(lambda x: SVD_LOSSES[1][1](*netlab.linalg.svd(x, full_matrices=False)),
                         a)


# ---------------------------------------------------------------------------------------------
# einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij,ij->i", [(1, 3), (4, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("ijk,ikj->", [(2, 3, 3), (2, 3, 3)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
@pytest.mark.parametrize("dtype", [F32, F64])
def test_einsum_parity(eq, shapes, dtype):
    arrays = [randn(*s, dtype=dtype) for s in shapes]
    check_op(lambda *xs: netlab.einsum(eq, *xs), lambda *xs: torch.einsum(eq, *xs), *arrays,
             **tol(dtype))


@pytest.mark.parametrize("eq,shapes", [c for c in EINSUM_CASES if 0 not in c[1][0]])
def test_einsum_gradcheck(eq, shapes):
    arrays = [randn(*s, dtype=F64) for s in shapes]
    assert gradcheck(lambda *xs: netlab.einsum(eq, *xs), *arrays)


@pytest.mark.parametrize("eq,shapes", [("ij,jk->ik", [(2, 3), (3, 2)]), ("ii->i", [(3, 3)]),
                                       ("ij->j", [(2, 3)]), ("bi,bi->b", [(1, 3), (2, 3)])])
def test_einsum_gradgradcheck(eq, shapes):
    arrays = [randn(*s, dtype=F64) for s in shapes]
    assert gradgradcheck(lambda *xs: netlab.einsum(eq, *xs), *arrays)


def test_einsum_forms_and_errors():
    a, b = randn(2, 3), randn(3, 4)
    ta, tb = netlab.tensor(a), netlab.tensor(b)
    want = torch.einsum("ij,jk->ik", to_torch(a), to_torch(b))
    assert_close(netlab.einsum("ij,jk->ik", [ta, tb]), want, **MM_TOL)
    assert_close(netlab.einsum(ta, [0, 1], tb, [1, 2], [0, 2]), want, **MM_TOL)
    ints = netlab.einsum("i,i->", netlab.ones(3, dtype=netlab.int32),
                         netlab.ones(3, dtype=netlab.int32))
    assert ints.dtype == netlab.int32 and ints.item() == 3
    # the output never aliases the input (einsum views are copied)
    t = netlab.zeros(2, 2)
    netlab.einsum("ij->ji", t).add_(1)
    assert not t.numpy().any()
    errors = [
        (("ij,jk->ik", ta, netlab.ones(4, 5)), "subscript j has size 4 for operand 1 which does "
                                               "not broadcast with previously seen size 3"),
        (("ij,jk->ik", ta), "fewer operands were provided than specified in the equation"),
        (("ij", ta, ta), "more operands were provided than specified in the equation"),
        (("ijk", ta), r"the number of subscripts in the equation \(3\) does not match the number "
                      r"of dimensions \(2\) for operand 0 and no ellipsis was given"),
        (("i1", ta), r"invalid subscript given at index 1 in the equation string, subscripts "
                     r"must be in \[a-zA-Z\]"),
        (("ij->k", ta), "output subscript k does not appear in the equation for any input"),
        (("ij->ii", ta), "output subscript i appears more than once in the output"),
        (("ii->i", ta), "subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
        (("...i...->i", ta), "for which an ellipsis was already found"),
        (("ij,jk", ta, netlab.ones(3, 2, dtype=netlab.float64)),
         "expected scalar type Float but found Double"),
    ]
    for args, msg in errors:
        with pytest.raises(RuntimeError, match=msg):
            netlab.einsum(*args)
        with pytest.raises(RuntimeError, match=msg):  # the oracle agrees
            torch.einsum(args[0], *[to_torch(x) for x in args[1:]])
    with pytest.raises(ValueError, match="must specify the equation string"):
        netlab.einsum("ij")
