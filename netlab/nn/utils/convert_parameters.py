"""parameters_to_vector and vector_to_parameters."""

from __future__ import annotations

from netlab.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param: Tensor, old_device):
    """The device of the first parameter; a TypeError when a later one lives elsewhere."""
    dev = str(param.device)
    if old_device is not None and dev != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return dev


def parameters_to_vector(parameters) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-d tensor (differentiable).

    Examples
    --------
    >>> import netlab
    >>> parameters_to_vector([netlab.ones(2, 2), netlab.zeros(1)])
    tensor([1., 1., 1., 1., 0.])
    """
    from netlab.ops.join import cat

    device = None
    vec = []
    for param in parameters:
        device = _check_param_device(param, device)
        vec.append(param.view(-1))
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into ``parameters`` (their ``.data`` is replaced).

    Examples
    --------
    >>> import netlab
    >>> p = netlab.zeros(2, 2)
    >>> vector_to_parameters(netlab.arange(4.0), [p])
    >>> p
    tensor([[0., 1.],
            [2., 3.]])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n


def _typename(obj) -> str:
    t = type(obj)
    mod = t.__module__
    return t.__qualname__ if mod in ("builtins", None) else f"{mod}.{t.__qualname__}"
