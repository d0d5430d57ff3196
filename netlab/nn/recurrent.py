"""Recurrent layers: RNN, LSTM, GRU and their cells (PyTorch's parameters, names and layout)."""

from __future__ import annotations

import math
import numbers
import warnings

from netlab.creation import empty, zeros
from netlab.nn import init
from netlab.nn.functional import recurrent as R
from netlab.nn.module import Module
from netlab.nn.parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        dirs = 2 if bidirectional else 1
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            in_size = input_size if layer == 0 else real_hidden * dirs
            for direction in range(dirs):
                shapes = [(gate_size, in_size), (gate_size, real_hidden)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for n, shape in zip(names, shapes):
                    setattr(self, n, Parameter(empty(shape, **kw)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self) -> None:
        """Kept for PyTorch code that calls it; netlab's weights need no repacking."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # shapes ----------------------------------------------------------------------------
    def _out_features(self) -> int:
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return real_hidden * (2 if self.bidirectional else 1)

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of ``output`` for an input of ``input_shape`` (in this layer's layout:
        ``(L, N, H_in)``, ``(N, L, H_in)`` with ``batch_first``, or unbatched ``(L, H_in)``).

        Examples
        --------
        >>> LSTM(10, 20, batch_first=True, bidirectional=True).output_shape((4, 7, 10))
        (4, 7, 40)
        """
        shape = tuple(int(s) for s in input_shape)
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if len(shape) not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {len(shape)}D input")
        if shape[-1] != self.input_size:
            raise ValueError(f"input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {shape[-1]}")
        return shape[:-1] + (self._out_features(),)

    # forward ---------------------------------------------------------------------------
    def _check(self, input, name):
        if input.dim() not in (2, 3):
            tail = " tensor instead" if name == "RNN" else " instead"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w.dtype}). Convert input: input.to({w.dtype}), or convert "
                             f"model: model.to({input.dtype})")
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)}")

    def _check_hidden(self, hx, batch, size, msg):
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, size)
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _zeros(self, input, batch, size):
        return zeros(self.num_layers * (2 if self.bidirectional else 1), batch, size,
                     dtype=input.dtype, device=input.device)

    def _run(self, x, states):
        """Run all layers on time-major ``x``; ``states`` is ``[h0]`` or ``[h0, c0]``."""
        import netlab
        from netlab.nn.functional.dropout import dropout

        dirs = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(dirs):
                idx = layer * dirs + direction
                ws = [getattr(self, n) for n in self._all_weights[idx]]
                w_ih, w_hh = ws[0], ws[1]
                b_ih, b_hh = (ws[2], ws[3]) if self.bias else (None, None)
                w_hr = ws[-1] if self.proj_size > 0 else None
                xg = R.input_gates(x, w_ih)
                reverse = direction == 1
                init_states = [s[idx] for s in states]
                if self.mode == "LSTM":
                    res = R.LSTMSequence(reverse)(xg, *init_states, w_hh, b_ih, b_hh, w_hr)
                elif self.mode == "GRU":
                    res = R.GRUSequence(reverse)(xg, *init_states, w_hh, b_ih, b_hh)
                else:
                    res = R.RNNSequence(self.mode == "RNN_RELU", reverse)(
                        xg, *init_states, w_hh, b_ih, b_hh)
                outs.append(res[0])
                for store, s in zip(finals, res[1:]):
                    store.append(s)
            x = outs[0] if dirs == 1 else netlab.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        return x, [netlab.stack(f, 0) for f in finals]

    def _forward(self, input, hx, name):
        self._check(input, name)
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        x = input.transpose(0, 1) if self.batch_first else input
        batch = x.shape[1]
        lstm = self.mode == "LSTM"
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            states = [self._zeros(x, batch, real_hidden)]
            if lstm:
                states.append(self._zeros(x, batch, self.hidden_size))
        else:
            states = list(hx) if lstm else [hx]
            dims = [s.dim() for s in states]
            want = 3 if batched else 2
            if any(d != want for d in dims):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                if lstm:
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D "
                                       f"but got ({dims[0]}-D, {dims[1]}-D) tensors")
                raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                                   f"{dims[0]}-D tensor")
            if not batched:
                states = [s.unsqueeze(1) for s in states]
            self._check_hidden(states[0], batch, real_hidden,
                               "Expected hidden[0] size {}, got {}" if lstm else
                               "Expected hidden size {}, got {}")
            if lstm:
                self._check_hidden(states[1], batch, self.hidden_size,
                                   "Expected hidden[1] size {}, got {}")
        out, finals = self._run(x, states)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(batch_dim)
            finals = [f.squeeze(1) for f in finals]
        return out, (tuple(finals) if lstm else finals[0])


class RNN(RNNBase):
    """Multi-layer Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``
    (or ReLU). Returns ``(output, h_n)``.

    Examples
    --------
    >>> import netlab
    >>> out, h = RNN(4, 6, num_layers=2)(netlab.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 3, 6), (2, 3, 6))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._forward(input, hx, "RNN")


class LSTM(RNNBase):
    """Multi-layer LSTM (gates i, f, g, o; optional ``proj_size``). Returns
    ``(output, (h_n, c_n))``.

    Examples
    --------
    >>> import netlab
    >>> out, (h, c) = LSTM(4, 6, batch_first=True)(netlab.randn(3, 5, 4))
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((3, 5, 6), (1, 3, 6), (1, 3, 6))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward(input, hx, "LSTM")


class GRU(RNNBase):
    """Multi-layer GRU (gates r, z, n). Returns ``(output, h_n)``.

    Examples
    --------
    >>> import netlab
    >>> out, h = GRU(4, 6, bidirectional=True)(netlab.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h.shape)
    ((5, 3, 12), (2, 3, 6))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward(input, hx, "GRU")


# cells ---------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Shared parameters of the cells: weight_ih, weight_hh, bias_ih, bias_hh."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of the new hidden state for an input of ``input_shape`` ((N, H_in) or (H_in,)).

        Examples
        --------
        >>> GRUCell(10, 20).output_shape((4, 10))
        (4, 20)
        """
        shape = tuple(int(s) for s in input_shape)
        name = type(self).__name__
        if len(shape) not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {len(shape)}D instead")
        if shape[-1] != self.input_size:
            raise ValueError(f"input has inconsistent input_size: got {shape[-1]} expected "
                             f"{self.input_size}")
        return shape[:-1] + (self.hidden_size,)

    def _prepare(self, input, hx, name, count):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        for i, h in enumerate(hx or ()):
            if h.dim() not in (1, 2):
                what = "hidden" if count == 1 else f"hx[{i}]"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {h.dim()}D "
                                 "instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = [zeros(input.size(0), self.hidden_size, dtype=input.dtype, device=input.device)
                  for _ in range(count)]
        elif not batched:
            hx = [h.unsqueeze(0) for h in hx]
        return input, list(hx), batched


class RNNCell(RNNCellBase):
    """One Elman RNN step (tanh or relu).

    Examples
    --------
    >>> import netlab
    >>> RNNCell(4, 6)(netlab.randn(3, 4)).shape
    netlab.Size([3, 6])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, batched = self._prepare(input, None if hx is None else [hx], "RNNCell", 1)
        if self.nonlinearity == "tanh":
            fn = R.rnn_tanh_cell
        elif self.nonlinearity == "relu":
            fn = R.rnn_relu_cell
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = fn(input, hx[0], self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns ``(h', c')``.

    Examples
    --------
    >>> import netlab
    >>> h, c = LSTMCell(4, 6)(netlab.randn(3, 4))
    >>> tuple(h.shape), tuple(c.shape)
    ((3, 6), (3, 6))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, hx, batched = self._prepare(input, hx, "LSTMCell", 2)
        h, c = R.lstm_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih,
                           self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; returns ``h'``.

    Examples
    --------
    >>> import netlab
    >>> GRUCell(4, 6)(netlab.randn(4)).shape
    netlab.Size([6])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, hx, batched = self._prepare(input, None if hx is None else [hx], "GRUCell", 1)
        h = R.gru_cell(input, hx[0], self.weight_ih, self.weight_hh, self.bias_ih,
                       self.bias_hh)
        return h if batched else h.squeeze(0)
