"""The seed tutorials' tensor/autograd/nn scripts run on netlab with only `import torch`
replaced by `import netlab as torch`, and match PyTorch from the same initial values.
"""

import contextlib
import io
import random
import re
from pathlib import Path

import numpy as np
import pytest

import netlab
from tests.netlab.parity import torch

SEEDS = Path(__file__).parent / "seeds"


class _SameInit:
    """Patches `randn` and Linear's init in one library so both libraries start equal."""

    def __init__(self, lib):
        self.lib = lib
        self.rng = np.random.default_rng(2024)

    def _next(self, shape):
        return self.rng.standard_normal(tuple(shape)).astype(np.float32)

    @contextlib.contextmanager
    def patched(self):
        lib = self.lib
        real_randn = lib.randn
        classes = [getattr(lib.nn, n) for n in ("Linear", "Conv2d") if hasattr(lib.nn, n)]
        real_resets = {cls: cls.reset_parameters for cls in classes}

        def randn(*size, **kw):
            t = real_randn(*size, **kw)
            with lib.no_grad():
                t.copy_(lib.from_numpy(self._next(t.shape)))
            return t

        def make_reset(real):
            def reset(module):
                real(module)
                with lib.no_grad():
                    for p in (module.weight, module.bias):
                        if p is not None:
                            p.copy_(lib.from_numpy(self._next(p.shape) * 0.3))
            return reset

        lib.randn = randn
        for cls, real in real_resets.items():
            cls.reset_parameters = make_reset(real)
        try:
            yield
        finally:
            lib.randn = real_randn
            for cls, real in real_resets.items():
                cls.reset_parameters = real


def _run(name: str, lib, edits=()):
    src = (SEEDS / name).read_text()
    src = re.sub(r"device\s*=\s*torch\.device\(['\"]cuda:0['\"]\)", "device = torch.device('cpu')",
                 src)
    for old, new in edits:
        src = src.replace(old, new)
    if lib is netlab:  # the import lines are the only change: torch -> netlab
        src = re.sub(r"^import torch$", "import netlab as torch", src, flags=re.M)
        src = re.sub(r"^import torch\.([\w.]+) as (\w+)", r"import netlab.\1 as \2", src,
                     flags=re.M)
    random.seed(7)  # DynamicNet draws its depth from Python's random module
    out = io.StringIO()
    ns = {"__name__": "__seed__"}
    with _SameInit(lib).patched(), contextlib.redirect_stdout(out):
        exec(compile(src, name, "exec"), ns)
    losses = [float(m.group(1)) for m in re.finditer(r"^\d+ (\S+)$", out.getvalue(), re.M)]
    return ns, losses, out.getvalue()


def _compare(name, names, rtol, edits=()):
    ns_nl, losses_nl, out_nl = _run(name, netlab, edits)
    ns_th, losses_th, _ = _run(name, torch, edits)
    np.testing.assert_allclose(losses_nl, losses_th, rtol=rtol)
    for n in names:
        a, b = ns_nl[n], ns_th[n]
        a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
        b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol, err_msg=n)
    return ns_nl


def test_two_layer_net_with_manual_backward():
    ns = _compare("two_layer_manual.py", ["w1", "w2", "loss"], rtol=1e-4)
    assert float(ns["loss"]) < 1e3  # it learned (the start is ~3e7)


def test_polynomial_fit_with_tensors():
    _compare("poly_tensors.py", ["a", "b", "c", "d"], rtol=1e-4)


def test_polynomial_fit_with_autograd():
    # the seed assigns `learnign_rate` and reads `learning_rate`: PyTorch fails on it as well
    _compare("poly_autograd.py", ["a", "b", "c", "d"], rtol=1e-4,
             edits=[("learnign_rate = 1e-6", "learning_rate = 1e-6")])


def test_legendre_polynomial_custom_function():
    ns = _compare("legendre.py", ["a", "b", "c", "d"], rtol=1e-4)
    assert ns["loss"].item() < 10


def test_polynomial_fit_with_nn_sequential():
    _compare("poly_nn.py", ["loss"], rtol=1e-4)


def test_polynomial_fit_with_rmsprop():
    # at lr=1e-3 RMSprop ends up jittering around the optimum (the seed's own log goes
    # 8.89 -> 8.92 -> 8.91), where float32 rounding shifts single values by a few 1e-3
    _compare("poly_optim.py", ["loss"], rtol=1e-2)


def test_polynomial3_module_with_sgd():
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        _compare("polynomial3_module.py", ["loss"], rtol=1e-4)


def test_dynamic_net_weight_sharing():
    # the only edit: 6,000 of the seed's 30,000 steps (three of its progress lines), to keep
    # the suite fast; every step still draws its depth and reuses `e` as the seed does
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        _compare("dynamic_net.py", ["loss"], rtol=1e-3,
                 edits=[("for t in range(30000):", "for t in range(6000):")])


def test_two_layer_module_with_sgd():
    _compare("two_layer_module_sgd.py", ["loss"], rtol=1e-4)


@pytest.mark.skipif(not hasattr(netlab.nn, "Conv2d") or not hasattr(netlab.nn, "MaxPool2d"),
                    reason="needs the conv and pooling layers")
def test_lenet_prints_and_runs_like_torch():
    ns_nl, _, out_nl = _run("lenet.py", netlab)
    ns_th, _, out_th = _run("lenet.py", torch)
    assert out_nl == out_th  # print(net) is identical
    np.testing.assert_allclose(ns_nl["out"].detach().numpy(), ns_th["out"].detach().numpy(),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(not hasattr(netlab.optim.lr_scheduler, "StepLR"), reason="needs StepLR")
def test_adam_with_steplr():
    ns = _compare("adam_steplr.py", ["loss", "lr"], rtol=1e-4)
    assert ns["lr"] == pytest.approx(0.001 * 0.5 ** 10)
