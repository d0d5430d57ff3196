"""DataParallel / DistributedDataParallel naming and the state_dict prefix helpers."""

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
