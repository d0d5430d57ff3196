"""Autograd semantics: backward, grad, hooks, retain_grad, custom Functions, errors."""

import numpy as np
import pytest

import netlab
from tests.netlab.parity import torch


def test_grad_accumulates_across_backward_calls():
    x = netlab.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 7.0])


def test_non_scalar_backward_needs_gradient():
    x = netlab.ones(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        y.backward()
    y.backward(netlab.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        netlab.ones(1).sum().backward()


def test_second_backward_through_freed_graph_raises():
    x = netlab.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = netlab.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0, 4.0])


def test_non_leaf_grad_is_none_unless_retained():
    x = netlab.ones(2, requires_grad=True)
    h = x * 2
    k = x * 3
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    assert not h.retains_grad and k.retains_grad
    np.testing.assert_allclose(k.grad.numpy(), [2.0, 2.0])
    assert h.is_leaf is False and x.is_leaf is True


def test_grad_fn_names_and_next_functions():
    x = netlab.ones(2, requires_grad=True)
    y = x * 2 + 1
    assert y.grad_fn.name() == "AddBackward0"
    assert "AddBackward0" in repr(y.grad_fn)
    (mul_node, _), _none = y.grad_fn.next_functions
    assert mul_node.name() == "MulBackward0"
    assert mul_node.next_functions[0][0].name() == "AccumulateGrad"
    assert mul_node.next_functions[0][0].variable is x


def test_tensor_hook_replaces_grad_and_persists_into_autograd_grad():
    x = netlab.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def hook(g):
        calls.append(g.numpy().copy())
        return g * 10

    handle = x.register_hook(hook)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0])
    (gx,) = netlab.autograd.grad((x * 3).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [30.0, 30.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 40.0])  # grad() leaves .grad alone
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    assert len(calls) == 2


def test_hook_on_non_leaf_matches_torch():
    def run(lib):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        h = x * x
        h.register_hook(lambda g: g * 2)
        h.retain_grad()
        (h * 3).sum().backward()
        return x.grad.numpy(), h.grad.numpy()

    for a, b in zip(run(netlab), run(torch)):
        np.testing.assert_allclose(a, b)


def test_autograd_grad_create_graph_double_backward():
    x = netlab.tensor([1.0, 2.0], requires_grad=True)
    y = (x ** 3).sum()
    (g,) = netlab.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    (gg,) = netlab.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), [6.0, 12.0])


def test_backward_create_graph_then_grad_of_grad():
    x = netlab.tensor([0.5, 1.5], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x2 = netlab.tensor([0.5, 1.5], requires_grad=True)
    (gt,) = netlab.autograd.grad((x2.exp() * x2).sum(), x2, create_graph=True)
    (ggt,) = netlab.autograd.grad(gt.sum(), x2)
    t = torch.tensor([0.5, 1.5], requires_grad=True)
    (tg,) = torch.autograd.grad((t.exp() * t).sum(), t, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(ggt.numpy(), tgg.numpy(), rtol=1e-6)


def test_autograd_grad_allow_unused():
    x = netlab.ones(2, requires_grad=True)
    z = netlab.ones(2, requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        netlab.autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = netlab.autograd.grad(y, [x, z], allow_unused=True)
    assert gz is None
    np.testing.assert_allclose(gx.numpy(), [2.0, 2.0])


def test_autograd_grad_of_intermediate_and_grad_outputs():
    x = netlab.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * x
    y = h * 2
    (gh,) = netlab.autograd.grad(y, h, grad_outputs=netlab.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(gh.numpy(), [2.0, 0.0, 4.0])
    assert x.grad is None


def test_backward_inputs_only_accumulates_there():
    x = netlab.ones(2, requires_grad=True)
    w = netlab.ones(2, requires_grad=True)
    (x * w * 2).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0])


def test_no_grad_enable_grad_set_grad_enabled():
    x = netlab.ones(2, requires_grad=True)
    with netlab.no_grad():
        y = x * 2
        with netlab.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @netlab.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with netlab.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert netlab.is_grad_enabled()
    netlab.set_grad_enabled(False)
    assert not netlab.is_grad_enabled()
    netlab.set_grad_enabled(True)


def test_detach_clone_and_requires_grad_rules():
    x = netlab.ones(2, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d._version_counter is x._version_counter
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        c.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        netlab.tensor([1, 2]).requires_grad_()
    y = x * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_diamond_graph_accumulates_both_paths():
    x = netlab.tensor([2.0], requires_grad=True)
    a = x * 3
    b = a * a + a.exp() + a
    b.sum().backward()
    t = torch.tensor([2.0], requires_grad=True)
    ta = t * 3
    (ta * ta + ta.exp() + ta).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_deep_graph_of_ten_thousand_ops_does_not_recurse():
    x = netlab.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-3)


def test_shared_gradient_is_not_aliased_between_leaves():
    a = netlab.ones(2, requires_grad=True)
    b = netlab.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])


class LegendrePolynomial3(netlab.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def test_custom_function_apply_and_ctx():
    x = netlab.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = LegendrePolynomial3.apply(x)
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.5 * (5 * np.array([0.5, -1.0, 2.0]) ** 2 - 1))
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_custom_function_needs_input_grad_and_non_tensor_args():
    seen = {}

    class Scale(netlab.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, factor):
            seen["needs"] = ctx.needs_input_grad
            ctx.factor = factor
            ctx.save_for_backward(x, w)
            return x * w * factor

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * w * ctx.factor if ctx.needs_input_grad[0] else None
            gw = g * x * ctx.factor if ctx.needs_input_grad[1] else None
            return gx, gw, None

    x = netlab.ones(2)
    w = netlab.tensor([1.0, 2.0], requires_grad=True)
    Scale.apply(x, w, 3.0).sum().backward()
    assert seen["needs"] == (False, True, False)
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 3.0])


def test_custom_function_wrong_gradient_shape_is_reported():
    class Bad(netlab.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return netlab.ones(5)

    x = netlab.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid gradient at index 0"):
        Bad.apply(x).sum().backward()


def test_custom_function_double_backward_through_tensor_ops():
    x = netlab.tensor([0.3, 0.7], dtype=netlab.float64, requires_grad=True)
    assert netlab.autograd.gradcheck(LegendrePolynomial3.apply, (x,))
    assert netlab.autograd.gradgradcheck(LegendrePolynomial3.apply, (x,))


def test_node_hooks():
    x = netlab.ones(2, requires_grad=True)
    y = x * 2
    seen = []
    h = y.grad_fn.register_hook(lambda gi, go: seen.append((len(gi), len(go))))
    y.sum().backward()
    assert seen == [(2, 1)]
    h.remove()


def test_version_counter_shared_and_bumped():
    x = netlab.ones(3)
    d = x.detach()
    x.add_(1)
    assert d._version == x._version == 1


@pytest.mark.parametrize("edit", [
    lambda y, x: y[0].__setitem__(1, 5.0),
    lambda y, x: y[1].mul_(3),
    lambda y, x: y[:, 1].mul_(x[0, :2] * 3),
    lambda y, x: y.t()[2].add_(x[1, :2]),
    lambda y, x: y.view(6)[1:4].exp_(),
])
def test_inplace_write_through_a_view_updates_the_base_history(edit):
    def run(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 2
        edit(y, x)
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), y.grad_fn.name()

    (yv, g, name), (tyv, tg, tname) = run(netlab), run(torch)
    np.testing.assert_allclose(yv, tyv, rtol=1e-6)
    np.testing.assert_allclose(g, tg, rtol=1e-6)
    assert name == "CopySlices" and tname.endswith("CopySlices")


def test_inplace_through_view_of_leaf_requiring_grad_raises():
    x = netlab.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].mul_(2)
