"""``nn.Parameter``: a tensor that a Module registers as learnable."""

from __future__ import annotations

from netlab.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a module parameter: assigning it to a Module attribute registers it.

    Examples
    --------
    >>> import netlab
    >>> p = Parameter(netlab.zeros(2))
    >>> p.requires_grad
    True
    """

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            from netlab.creation import empty

            data = empty(0)
        t = object.__new__(cls)
        Tensor._init(t, data._array, False)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        from netlab import backend

        return (_rebuild_parameter, (backend.to_numpy(self._array), str(self.device),
                                     self._requires_grad))


def _rebuild_parameter(array, dev, requires_grad):
    from netlab import backend

    return Parameter(Tensor._make(backend.to_device(array, backend.device(dev))), requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute."""

    def __new__(cls, data=None, *, persistent: bool = True):
        if data is None:
            from netlab.creation import empty

            data = empty(0)
        t = object.__new__(cls)
        Tensor._init(t, data._array, False)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent: bool = True):
        pass
