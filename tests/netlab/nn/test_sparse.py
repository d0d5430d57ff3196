"""Embedding and F.embedding against PyTorch."""

import numpy as np
import pytest

import netlab
import netlab.nn as nn
import netlab.nn.functional as F
from tests.netlab.parity import assert_close, gradcheck, gradgradcheck, randn, same_error, torch

RNG = np.random.default_rng(5)

CASES = [
    ((10, 3), {}, (4,)),
    ((10, 3), {}, (2, 5)),
    ((7, 4), {"padding_idx": 0}, (3, 4)),
    ((7, 4), {"padding_idx": -2}, (6,)),
    ((6, 2), {"scale_grad_by_freq": True}, (3, 5)),
    ((6, 2), {"padding_idx": 1, "scale_grad_by_freq": True}, (4, 4)),
    ((8, 3), {"max_norm": 1.0}, (2, 6)),
    ((8, 3), {"max_norm": 0.5, "norm_type": 1.0}, (9,)),
    ((5, 3), {"sparse": True}, (2, 2)),
]


@pytest.mark.parametrize("args,kwargs,shape", CASES)
def test_embedding_matches_torch(args, kwargs, shape):
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(*args, **kwargs)
    ours = nn.Embedding(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    sd = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd)
    ours.load_state_dict({k: netlab.from_numpy(v.numpy().copy()) for k, v in sd.items()})
    idx = RNG.integers(0, args[0], shape)
    idx.flat[0] = idx.flat[-1]  # a repeated index accumulates (and counts for the frequency)
    yn = ours(netlab.tensor(idx))
    yt = theirs(torch.from_numpy(idx))
    assert_close(yn, yt)
    assert ours.output_shape(shape) == tuple(yt.shape)
    up = randn(*yt.shape)
    (yn * netlab.tensor(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    grad_t = theirs.weight.grad.to_dense() if theirs.weight.grad.is_sparse else \
        theirs.weight.grad
    assert_close(ours.weight.grad, grad_t)
    assert_close(ours.weight, theirs.weight)  # max_norm renormalised the same rows in place


def test_embedding_init_and_padding_row():
    netlab.manual_seed(0)
    e = nn.Embedding(2000, 8, padding_idx=3)
    w = e.weight.detach().numpy()
    assert (w[3] == 0).all()
    rest = np.delete(w, 3, axis=0)
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1) < 0.02  # N(0, 1)
    assert e.weight.requires_grad


def test_embedding_errors_match_torch():
    same_error(lambda: nn.Embedding(5, 3, padding_idx=5),
               lambda: torch.nn.Embedding(5, 3, padding_idx=5))
    same_error(lambda: nn.Embedding(5, 3, padding_idx=-6),
               lambda: torch.nn.Embedding(5, 3, padding_idx=-6))
    same_error(lambda: F.embedding(netlab.tensor([5]), netlab.ones(5, 3)),
               lambda: torch.nn.functional.embedding(torch.tensor([5]), torch.ones(5, 3)))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar "
                                           "types: Long, Int"):
        F.embedding(netlab.tensor([1.0]), netlab.ones(5, 3))


def test_from_pretrained():
    table = randn(4, 3)
    for freeze in (True, False):
        ours = nn.Embedding.from_pretrained(netlab.tensor(table), freeze=freeze, padding_idx=1)
        theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=freeze,
                                                    padding_idx=1)
        assert repr(ours) == repr(theirs)
        assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
        idx = np.array([[1, 2], [3, 1]])
        assert_close(ours(netlab.tensor(idx)), theirs(torch.from_numpy(idx)))
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(netlab.ones(3))


def test_int32_indices_and_empty_input():
    w = randn(5, 2)
    idx = np.array([[0, 4], [2, 2]], dtype=np.int32)
    wn, wt = netlab.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    yn = F.embedding(netlab.tensor(idx), wn, padding_idx=4)
    yt = torch.nn.functional.embedding(torch.from_numpy(idx), wt, padding_idx=4)
    assert_close(yn, yt)
    yn.sum().backward()
    yt.sum().backward()
    assert_close(wn.grad, wt.grad)
    assert yn.grad_fn.name() == yt.grad_fn.name()
    e = nn.Embedding(5, 2)
    assert e(netlab.zeros(0, 3, dtype=netlab.int64)).shape == (0, 3, 2)


def test_gradcheck_float64():
    idx = netlab.tensor([[0, 2, 2], [3, 1, 0]])
    w = RNG.standard_normal((4, 3))
    assert gradcheck(lambda w: F.embedding(idx, w), w)
    # padding_idx and scale_grad_by_freq deliberately alter the gradient (checked against
    # torch above), so finite differences apply only to the plain lookup
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, w)
