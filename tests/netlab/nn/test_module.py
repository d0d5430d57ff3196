"""nn.Module basics, containers, Linear, MSELoss: names, state_dict, hooks, printing."""

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from tests.netlab.parity import assert_close, torch


class Net(nn.Module):
    def __init__(self, lib_nn):
        super().__init__()
        self.fc1 = lib_nn.Linear(4, 3)
        self.body = lib_nn.Sequential(lib_nn.Linear(3, 3), lib_nn.ReLU(), lib_nn.Linear(3, 2))
        self.scale = lib_nn.Parameter(netlab.ones(2)) if lib_nn is nn else \
            lib_nn.Parameter(torch.ones(2))
        self.register_buffer("steps", netlab.zeros(1) if lib_nn is nn else torch.zeros(1))
        self.register_buffer("cache", netlab.zeros(1) if lib_nn is nn else torch.zeros(1),
                             persistent=False)

    def forward(self, x):
        return self.body(self.fc1(x).relu()) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 3)
        self.body = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(),
                                        torch.nn.Linear(3, 2))
        self.scale = torch.nn.Parameter(torch.ones(2))
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("cache", torch.zeros(1), persistent=False)

    def forward(self, x):
        return self.body(self.fc1(x).relu()) * self.scale


def _np_state(sd):
    return {k: v.detach().numpy().copy() for k, v in sd.items()}


def test_state_dict_keys_order_and_metadata_match_torch():
    ours, theirs = Net(nn), TorchNet()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert dict(ours.state_dict()._metadata) == dict(theirs.state_dict()._metadata)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_load_torch_weights_and_match_forward_and_grads():
    ours, theirs = Net(nn), TorchNet()
    ours.load_state_dict({k: netlab.from_numpy(v) for k, v in
                          _np_state(theirs.state_dict()).items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    out_n = ours(netlab.from_numpy(x))
    out_t = theirs(torch.from_numpy(x))
    assert_close(out_n, out_t)
    out_n.sum().backward()
    out_t.sum().backward()
    for (n1, p1), (_, p2) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(p1.grad, p2.grad, msg=n1)


def test_load_state_dict_reports_every_problem_at_once():
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = m.state_dict()
    sd["extra.weight"] = netlab.zeros(1)
    del sd["1.bias"]
    sd["0.weight"] = netlab.zeros(5, 5)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    assert "size mismatch for 0.weight" in msg
    res = nn.Linear(2, 3).load_state_dict({"weight": netlab.zeros(3, 2), "bias": netlab.zeros(3),
                                           "junk": netlab.zeros(1)}, strict=False)
    assert res.missing_keys == [] and res.unexpected_keys == ["junk"]


def test_print_layout_matches_torch():
    ours = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1), nn.Sequential(nn.ReLU(True)))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1),
                                 torch.nn.Sequential(torch.nn.ReLU(True)))
    assert repr(ours) == repr(theirs)
    assert repr(Net(nn)).replace("Net", "X") == repr(TorchNet()).replace("TorchNet", "X")


def test_sequential_indexing_slicing_append_and_ordereddict():
    from collections import OrderedDict

    s = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    assert isinstance(s[-1], nn.Linear) and s[-1].out_features == 3
    assert len(s[1:]) == 2 and list(s[1:].state_dict()) == ["2.weight", "2.bias"]  # keys kept
    s.append(nn.Tanh())
    assert len(s) == 4
    del s[1]
    assert list(s._modules) == ["0", "1", "2"]
    named = nn.Sequential(OrderedDict(conv=nn.Linear(1, 1), act=nn.ReLU()))
    assert list(named.state_dict()) == ["conv.weight", "conv.bias"]
    with pytest.raises(IndexError):
        s[10]


def test_module_list_dict_and_parameter_list_naming():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(2)])
            self.heads = nn.ModuleDict({"a": nn.Linear(1, 1)})
            self.ps = nn.ParameterList([nn.Parameter(netlab.ones(1)), netlab.zeros(2)])

    assert list(M().state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                      "layers.1.bias", "heads.a.weight", "heads.a.bias",
                                      "ps.0", "ps.1"]


def test_train_eval_zero_grad_requires_grad_apply():
    m = Net(nn)
    m.eval()
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())
    m(netlab.ones(2, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 3


def test_to_double_keeps_parameter_objects():
    m = nn.Linear(2, 2)
    w = m.weight
    m.double()
    assert m.weight is w and w.dtype == netlab.float64
    assert m(netlab.ones(1, 2, dtype=netlab.float64)).dtype == netlab.float64


def test_forward_hooks_and_pre_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
    out = m(netlab.ones(3, 2))
    assert calls == [netlab.Size([3, 2])]
    assert_close(out, (m.bias + 1).expand(3, 2))
    h1.remove()
    h2.remove()
    assert_close(m(netlab.zeros(1, 2)), m.bias.reshape(1, 2))


def test_full_backward_hook_matches_torch():
    def run(lib_nn, lib):
        lin = lib_nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        seen = {}

        def hook(mod, gin, gout):
            seen["gin"] = [g.numpy().copy() for g in gin]
            seen["gout"] = [g.numpy().copy() for g in gout]
            return (gin[0] * 2,)

        lin.register_full_backward_hook(hook)
        x = lib.ones(4, 3, requires_grad=True)
        (lin(x) * 3).sum().backward()
        return seen, x.grad.numpy()

    (s1, g1), (s2, g2) = run(nn, netlab), run(torch.nn, torch)
    np.testing.assert_allclose(g1, g2)
    for a, b in zip(s1["gin"] + s1["gout"], s2["gin"] + s2["gout"]):
        np.testing.assert_allclose(a, b)


def test_linear_init_bounds():
    m = nn.Linear(400, 50)
    bound = 1 / np.sqrt(400)
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound


def test_mse_loss_reductions_and_legacy_args():
    a = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    b = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    for kw in ({}, {"reduction": "sum"}, {"reduction": "none"}):
        assert_close(nn.MSELoss(**kw)(netlab.from_numpy(a), netlab.from_numpy(b)),
                     torch.nn.MSELoss(**kw)(torch.from_numpy(a), torch.from_numpy(b)))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.MSELoss(reduce="sum").reduction == "mean"  # PyTorch's legacy rule
    with pytest.warns(UserWarning):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.MSELoss(reduce=False).reduction == "none"


def test_parameter_repr_and_assignment_rules():
    p = nn.Parameter(netlab.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    m = nn.Linear(1, 1)
    with pytest.raises(TypeError):
        m.weight = netlab.ones(1, 1)
    m.bias = None
    assert "bias" not in m.state_dict()


def test_registering_a_name_that_shadows_an_attribute_raises_like_torch():
    for lib_nn, lib in ((nn, netlab), (torch.nn, torch)):
        m = lib_nn.Linear(1, 1)
        with pytest.raises(KeyError, match="attribute 'half' already exists"):
            m.register_buffer("half", lib.zeros(1))
        with pytest.raises(KeyError, match="attribute 'training' already exists"):
            m.register_parameter("training", None)


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Linear(4, 3), (2, 4)), (lambda: nn.Linear(4, 3), (2, 5, 4)),
    (lambda: nn.Flatten(), (2, 3, 4, 5)), (lambda: nn.Flatten(0, 1), (6, 1)),
    (lambda: nn.Flatten(1, 2), (2, 3, 4, 5)), (lambda: nn.Unflatten(1, (2, 6)), (3, 12)),
    (lambda: nn.Unflatten(-1, (-1, 4)), (3, 12)),
])
def test_output_shape_matches_forward(make, shape):
    m = make()
    assert m.output_shape(shape) == tuple(m(netlab.zeros(*shape)).shape)


def test_linear_output_shape_explains_the_fix():
    with pytest.raises(ValueError, match=r"Linear\(in_features=400\) receives 576 features: "
                                         r"set in_features=576 or insert Flatten"):
        nn.Linear(400, 10).output_shape((2, 16, 6, 6))


@pytest.mark.parametrize("sizes,shape", [((5, -1), (2, 12)), ((5, 3), (2, 12))])
def test_unflatten_output_shape_rejects_what_forward_rejects(sizes, shape):
    m = nn.Unflatten(1, sizes)
    with pytest.raises(ValueError, match="Unflatten"):
        m.output_shape(shape)
    with pytest.raises(RuntimeError):
        m(netlab.zeros(*shape))
