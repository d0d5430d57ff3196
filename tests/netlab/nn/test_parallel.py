"""DataParallel / DistributedDataParallel naming, the state_dict prefix helpers, and
DataParallel's scatter/replicate/gather path (run on CPU device lists, a netlab extension)."""

from collections import OrderedDict

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from netlab.nn.parallel import DistributedDataParallel
from netlab.nn.utils import add_prefix_to_state_dict, consume_prefix_in_state_dict_if_present
from tests.netlab.parity import assert_close, torch


def body(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def copy_weights(dst, src):
    dst.load_state_dict(OrderedDict((k, netlab.from_numpy(v.detach().numpy().copy()))
                                    for k, v in src.state_dict().items()), strict=True)


def test_names_are_reachable():
    import netlab.nn.parallel as parallel

    assert nn.DataParallel is parallel.DataParallel
    assert netlab.nn.parallel.DistributedDataParallel is DistributedDataParallel
    assert "DataParallel" in parallel.__all__


@pytest.mark.parametrize("wrapper", [nn.DataParallel, DistributedDataParallel])
def test_keys_metadata_and_repr_match_torch(wrapper):
    ours, theirs = wrapper(body(netlab)), torch.nn.DataParallel(body(torch))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert dict(ours.state_dict()._metadata) == dict(theirs.state_dict()._metadata)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs).replace("DataParallel", type(ours).__name__)
    twice = wrapper(wrapper(body(netlab)))
    assert list(twice.state_dict())[0] == "module.module.0.weight"


@pytest.mark.parametrize("wrapper", [nn.DataParallel, DistributedDataParallel])
def test_forward_and_gradients_are_the_wrapped_module(wrapper):
    inner = body(netlab)
    ours = wrapper(inner)
    theirs = torch.nn.DataParallel(body(torch))
    copy_weights(inner, theirs.module)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out, ref = ours(netlab.from_numpy(x)), theirs(torch.from_numpy(x))
    assert_close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p.grad, q.grad, msg=name)
    assert all(p is q for p, q in zip(ours.parameters(), inner.parameters()))


def test_cpu_only_data_parallel_has_no_devices():
    if netlab.cuda.is_available():
        pytest.skip("checks the CPU-only behaviour")
    dp = nn.DataParallel(nn.Linear(2, 2), device_ids=[0, 1], output_device=1)
    assert dp.device_ids == [] and dp.dim == 0
    with DistributedDataParallel(nn.Linear(2, 2)).no_sync():
        pass


def test_strict_load_still_refuses_the_other_form_and_helpers_convert():
    from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present as torch_consume

    theirs = torch.nn.DataParallel(body(torch))
    sd = OrderedDict((k, netlab.from_numpy(v.numpy().copy()))
                     for k, v in theirs.state_dict().items())
    sd._metadata = theirs.state_dict()._metadata
    bare = body(netlab)
    with pytest.raises(RuntimeError, match='(?s)Missing key.*"0.weight".*Unexpected key.*'
                                           '"module.0.weight"'):
        bare.load_state_dict(sd)
    # strict=False reports the mismatch as torch does (and copies nothing)
    assert bare.load_state_dict(sd, strict=False) == body(torch).load_state_dict(
        theirs.state_dict(), strict=False)

    consume_prefix_in_state_dict_if_present(sd, "module.")
    ref = theirs.state_dict()
    torch_consume(ref, "module.")
    assert list(sd) == list(ref) and dict(sd._metadata) == dict(ref._metadata)
    bare.load_state_dict(sd, strict=True)
    consume_prefix_in_state_dict_if_present(sd, "module.")  # nothing left to strip
    assert list(sd) == list(ref)

    add_prefix_to_state_dict(sd, "module.")
    assert list(sd) == list(theirs.state_dict())
    assert set(sd._metadata) == set(theirs.state_dict()._metadata) - {""}
    wrapped = nn.DataParallel(body(netlab))
    wrapped.load_state_dict(sd, strict=True)
    for a, b in zip(wrapped.state_dict().values(), theirs.state_dict().values()):
        assert_close(a, b)


def test_prefix_helpers_keep_order_and_do_not_clobber():
    sd = {"a": 1, "module.a": 2, "b": 3}
    add_prefix_to_state_dict(sd, "module.")
    assert sd == {"module.a": 1, "module.module.a": 2, "module.b": 3}
    assert list(sd) == ["module.a", "module.module.a", "module.b"]
    consume_prefix_in_state_dict_if_present(sd, "module.")
    assert list(sd) == ["a", "module.a", "b"] and sd["module.a"] == 2
    plain = {"x": 1}
    add_prefix_to_state_dict(plain, "")
    assert plain == {"x": 1}


# --- the multi-device path, run on CPU device lists (a netlab extension) -------------------

CPU3 = ["cpu", "cpu", "cpu"]


def arr(t):
    return t.detach().numpy()


def weighted_sum(out, rng):
    """A loss with a different weight for every output element, so that each row's gradient
    differs; tuples, lists and dicts are summed element-wise (None skipped)."""
    if out is None:
        return 0.0
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (tuple, list)):
        total = 0.0
        for o in out:
            total = weighted_sum(o, rng) + total
        return total
    w = netlab.from_numpy(rng.standard_normal(tuple(out.shape)).astype(arr(out).dtype))
    return (out * w).sum()


def flatten(out):
    if isinstance(out, dict):
        return [v for o in out.values() for v in flatten(o)]
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in flatten(o)]
    return [] if out is None else [out]


def run_and_grads(model, args, kwargs, inputs_with_grad):
    out = model(*args, **kwargs)
    weighted_sum(out, np.random.default_rng(7)).backward()
    grads = {n: arr(p.grad).copy() for n, p in model.named_parameters()}
    grads.update({f"input{i}": arr(x.grad).copy() for i, x in enumerate(inputs_with_grad)})
    return out, grads


def assert_matches_module(module, args, kwargs=None, devices=CPU3, dim=0, rtol=1e-12):
    """DataParallel(module) gives the module's own outputs and gradients on the full batch."""
    kwargs = kwargs or {}
    module.zero_grad()
    leaves = [a for a in [*args, *kwargs.values()] if isinstance(a, netlab.Tensor)
              and a.requires_grad]
    ref, ref_grads = run_and_grads(module, args, kwargs, leaves)
    module.zero_grad()
    for x in leaves:
        x.grad = None
    dp = nn.DataParallel(module, device_ids=devices, dim=dim)
    out, grads = run_and_grads(dp, args, kwargs, leaves)
    assert type(out) is type(ref)
    got, want = flatten(out), flatten(ref)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(arr(g), arr(w), rtol=rtol, atol=1e-12)
    assert list(grads) == ["module." + k for k in ref_grads if not k.startswith("input")] + [
        k for k in ref_grads if k.startswith("input")]
    for name, g in ref_grads.items():
        key = name if name.startswith("input") else "module." + name
        np.testing.assert_allclose(grads[key], g, rtol=rtol, atol=1e-12, err_msg=name)
    # the original parameters stay leaf Parameters, the ones state_dict and optimizers see
    assert all(isinstance(p, nn.Parameter) and p.grad_fn is None for p in module.parameters())
    return out


def leaf(*shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    return netlab.from_numpy(x).requires_grad_()


def test_mlp_outputs_and_gradients_match_the_full_batch():
    netlab.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2)).double()
    for batch in (5, 6, 7, 1):
        assert_matches_module(mlp, (leaf(batch, 3, seed=batch),))


def test_conv_net_with_batchnorm_in_eval_mode_matches():
    netlab.manual_seed(1)
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3)).double()
    net[1].running_mean.copy_(netlab.tensor([0.1, -0.2, 0.3, 0.0], dtype=netlab.float64))
    net[1].running_var.copy_(netlab.tensor([1.5, 0.5, 2.0, 1.0], dtype=netlab.float64))
    net.eval()
    assert_matches_module(net, (leaf(5, 2, 6, 6),))
    assert int(net[1].num_batches_tracked) == 0


class LastOutput(nn.Module):
    """An LSTM reads its weights by name: the replicas must hand it their copies."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 4, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


def test_lstm_matches():
    netlab.manual_seed(8)
    assert_matches_module(LastOutput().double(), (leaf(5, 2, 3),), rtol=1e-10)


class TwoHeads(nn.Module):
    """Returns a tuple holding a tensor, a dict of tensors, None and a namedtuple."""

    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        h = self.body(x).tanh()
        pair = torch_free_pair(h.sum(1), (h * h).mean(1))
        return self.head(h), {"hidden": h, "none": None, "pair": pair}, None


def torch_free_pair(a, b):
    from collections import namedtuple

    Pair = globals().setdefault("_Pair", namedtuple("Pair", "first second"))
    return Pair(a, b)


def test_tuple_dict_and_namedtuple_outputs_are_gathered_elementwise():
    netlab.manual_seed(2)
    out = assert_matches_module(TwoHeads().double(), (leaf(5, 3),))
    logits, extra, nothing = out
    assert logits.shape == (5, 2) and nothing is None and extra["none"] is None
    assert type(extra["pair"]).__name__ == "Pair" and extra["pair"].first.shape == (5,)


class Recorder(nn.Module):
    """Records the size along ``dim`` of every chunk it is run on."""

    def __init__(self, dim=0):
        super().__init__()
        self.scale = nn.Parameter(netlab.tensor(2.0, dtype=netlab.float64))
        self.dim, self.seen = dim, []

    def forward(self, x):
        self.seen.append(x.shape[self.dim])
        return x * self.scale


@pytest.mark.parametrize("batch", [5, 4, 3, 2, 1, 7, 0])
def test_chunks_follow_torch_chunk_and_small_batches_use_fewer_replicas(batch):
    rec = Recorder()
    x = leaf(batch, 2)
    out = nn.DataParallel(rec, device_ids=CPU3)(x)
    assert rec.seen == [c.shape[0] for c in torch.zeros(batch, 2).chunk(3)]
    if batch == 5:
        assert rec.seen == [2, 2, 1]
    np.testing.assert_array_equal(arr(out), 2 * arr(x))
    out.sum().backward()
    np.testing.assert_allclose(arr(rec.scale.grad), arr(x).sum())
    np.testing.assert_array_equal(arr(x.grad), np.full((batch, 2), 2.0))


def test_dim_1_splits_and_gathers_along_dim_1():
    rec = Recorder(dim=1)
    x = netlab.arange(30, dtype=netlab.float64).reshape(2, 5, 3)
    out = nn.DataParallel(rec, device_ids=CPU3, dim=1)(x)
    assert rec.seen == [2, 2, 1]
    np.testing.assert_array_equal(arr(out), 2 * arr(x))

    netlab.manual_seed(3)
    seq = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid()).double()  # acts on the last dim only
    assert_matches_module(seq, (leaf(2, 5, 3),), dim=1)
    assert_matches_module(seq, (leaf(2, 5, 3),), dim=-2)


class WithKwargs(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.calls = []

    def forward(self, x, mask=None, scale=1.0, tag="none"):
        self.calls.append((tuple(x.shape), None if mask is None else tuple(mask.shape), scale,
                           tag))
        y = self.lin(x) * scale
        return y if mask is None else y * mask


def test_keyword_arguments_are_scattered_and_plain_values_copied():
    netlab.manual_seed(4)
    m = WithKwargs().double()
    x, mask = leaf(5, 3), leaf(5, 3, seed=1)
    assert_matches_module(m, (x,), {"mask": mask, "scale": 0.5, "tag": "t"})
    dp_calls = m.calls[1:]
    assert dp_calls == [((2, 3), (2, 3), 0.5, "t"), ((2, 3), (2, 3), 0.5, "t"),
                        ((1, 3), (1, 3), 0.5, "t")]
    m.calls.clear()
    # only keyword arguments, and a plain positional argument next to a tensor
    out = nn.DataParallel(m, device_ids=CPU3)(x=x, mask=mask)
    assert out.shape == (5, 3) and [c[0] for c in m.calls] == [(2, 3), (2, 3), (1, 3)]
    m.calls.clear()
    out = nn.DataParallel(m, device_ids=CPU3)(x, None, 3.0)
    assert out.shape == (5, 3) and [c[2] for c in m.calls] == [3.0] * 3
    with pytest.raises(ValueError, match="scattered into 3 chunks"):
        nn.DataParallel(m, device_ids=CPU3)(x, mask=mask[:2])


def test_state_dict_keys_parameters_and_devices_are_unchanged():
    inner = body(netlab)
    dp = nn.DataParallel(inner, device_ids=["cpu", netlab.device("cpu"), -1])
    assert dp.device_ids == ["cpu", "cpu", "cpu"] and dp.output_device == "cpu"
    before = list(dp.state_dict())
    dp(netlab.randn(4, 3)).sum().backward()
    assert before == list(dp.state_dict()) == list(torch.nn.DataParallel(body(torch)).state_dict())
    assert [n for n, _ in dp.named_parameters()] == ["module." + n for n, _ in
                                                    inner.named_parameters()]
    assert all(p is q for p, q in zip(dp.parameters(), inner.parameters()))
    assert all(type(p) is nn.Parameter for m in inner.modules() for p in m._parameters.values())
    # a DataParallel state_dict loads into the bare module once the prefix is consumed
    sd = dp.state_dict()
    consume_prefix_in_state_dict_if_present(sd, "module.")
    body(netlab).load_state_dict(sd, strict=True)


def test_batchnorm_training_keeps_only_the_first_replicas_running_stats():
    netlab.manual_seed(5)
    bn = nn.BatchNorm1d(3).double()
    twin = nn.BatchNorm1d(3).double()
    x = leaf(6, 3)
    out = nn.DataParallel(bn, device_ids=CPU3)(x)
    # each chunk is normalised with its own statistics
    ref = netlab.cat([twin(x[i:i + 2]) for i in range(0, 6, 2)])
    np.testing.assert_allclose(arr(out), arr(ref), rtol=1e-12)
    # twin has seen all three chunks; bn keeps the update of the first chunk only
    first = nn.BatchNorm1d(3).double()
    first(x[:2])
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_allclose(arr(getattr(bn, name)), arr(getattr(first, name)),
                                   rtol=1e-12, err_msg=name)
    assert int(twin.num_batches_tracked) == 3


def test_shared_submodules_and_tied_weights_get_the_summed_gradient():
    netlab.manual_seed(6)
    lin = nn.Linear(4, 4)
    tied = nn.Sequential(lin, nn.Tanh(), lin, nn.Tanh(), nn.Linear(4, 4)).double()
    tied[4].weight = tied[0].weight
    assert_matches_module(tied, (leaf(5, 4),), devices=["cpu", "cpu"])


def test_no_grad_forward_builds_no_graph_and_leaves_grads_alone():
    netlab.manual_seed(7)
    m = body(netlab)
    dp = nn.DataParallel(m, device_ids=CPU3)
    x = netlab.randn(5, 3)
    with netlab.no_grad():
        out = dp(x)
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_allclose(arr(out), arr(m(x)), rtol=1e-6)
    assert all(p.grad is None for p in m.parameters())


def test_one_device_and_no_device_run_the_module_as_is():
    m = Recorder()
    x = netlab.ones(5, 2, dtype=netlab.float64)
    for ids in (["cpu"], [netlab.device("cpu")]):
        m.seen.clear()
        dp = nn.DataParallel(m, device_ids=ids)
        assert dp.device_ids == ["cpu"]
        np.testing.assert_array_equal(arr(dp(x)), 2 * arr(x))
        assert m.seen == [5]
    with pytest.raises(RuntimeError, match="no available devices were found"):
        nn.DataParallel(m, device_ids=[])


def test_scalar_outputs_are_gathered_into_a_vector_with_torchs_warning():
    class Loss(nn.Module):
        def forward(self, x):
            return (x * x).sum()

    x = leaf(5, 2)
    with pytest.warns(UserWarning, match="all input tensors were scalars"):
        out = nn.DataParallel(Loss(), device_ids=CPU3)(x)
    expected = [(arr(x)[s] ** 2).sum() for s in (slice(0, 2), slice(2, 4), slice(4, 5))]
    np.testing.assert_allclose(arr(out), expected, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(arr(x.grad), 2 * arr(x), rtol=1e-12)


def test_functional_building_blocks():
    from netlab.nn.parallel import data_parallel, gather, parallel_apply, replicate, scatter

    x = netlab.arange(10).reshape(5, 2)
    pieces = scatter((x, "a"), ["cpu"] * 3)
    assert [p[0].tolist() for p in pieces] == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9]]]
    assert [p[1] for p in pieces] == ["a"] * 3
    assert scatter({"k": x}, ["cpu"] * 2)[1]["k"].tolist() == [[6, 7], [8, 9]]
    assert gather([netlab.ones(1, 2), netlab.zeros(1, 1)], "cpu", dim=1).tolist() == [[1, 1, 0]]
    with pytest.raises(ValueError, match="All dicts must have the same number of keys"):
        gather([{"a": x}, {"a": x, "b": x}], "cpu")

    lin = nn.Linear(2, 2)
    replicas = replicate(lin, ["cpu", "cpu"])
    assert all(r is not lin and r.weight is not lin.weight for r in replicas)
    assert all(r.weight.grad_fn is not None for r in replicas)
    assert list(replicas[0].state_dict()) == ["weight", "bias"]
    with netlab.no_grad():
        assert replicate(lin, ["cpu"], detach=True)[0].weight.grad_fn is None
    outs = parallel_apply(replicas, [(netlab.ones(1, 2),), (netlab.ones(2, 2),)])
    assert [tuple(o.shape) for o in outs] == [(1, 2), (2, 2)]

    class Boom(nn.Module):
        def forward(self, x):
            raise KeyError("boom")

    with pytest.raises(KeyError) as err:
        parallel_apply([Boom()], [(x,)])
    assert "in replica 0 on device cpu" in "".join(err.value.__notes__)
    y = data_parallel(lin, netlab.ones(3, 2), ["cpu", "cpu"])
    np.testing.assert_allclose(arr(y), arr(lin(netlab.ones(3, 2))))


def test_module_must_be_on_the_first_device():
    dp = nn.DataParallel(nn.Linear(2, 2), device_ids=["cpu", "cpu"])
    if not netlab.cuda.is_available():
        with pytest.raises(RuntimeError, match="mixes CPU and CUDA"):
            nn.DataParallel(nn.Linear(2, 2), device_ids=["cpu", 0])
        return
    dp.module.cuda()
    with pytest.raises(RuntimeError, match=r"on device cpu \(device_ids\[0\]\)"):
        dp(netlab.ones(2, 2))
