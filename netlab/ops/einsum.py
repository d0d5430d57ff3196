"""``einsum``: Einstein summation over any number of operands, with autograd.

The equation is first normalised to explicit single-letter labels (ellipses become fresh
letters, size-1 dims that broadcast get labels of their own), so forward is one ``xp.einsum``
call and the gradient of each operand is again an einsum of the output gradient with the other
operands. Two cases need more than that: labels summed inside one operand only (their gradient
is a broadcast, done with ``expand``) and labels repeated inside one operand (diagonals: the
gradient is written onto the diagonal by :class:`EinsumDiagScatter`).
"""

from __future__ import annotations

import string

import numpy as np

from netlab.autograd.node import Function
from netlab.backend import get_array_module
from netlab.tensor import Tensor

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's label order


class Einsum(Function):
    """``xp.einsum`` of normalised labels: ``ins`` per operand, ``out``, ``sizes`` per label."""

    _backward_name = "EinsumBackward0"

    def __init__(self, ins, out, sizes):
        self.ins, self.out, self.sizes = ins, out, sizes

    def forward(self, *arrays):
        ng = self.needs_input_grad
        if ng:
            # operand j is needed for the gradient of every other operand
            self.save_for_backward(*[a if any(n for i, n in enumerate(ng) if i != j) else None
                                     for j, a in enumerate(arrays)])
        xp = get_array_module(arrays[0])
        eq = ",".join(self.ins) + "->" + self.out
        # optimize lets numpy contract pairwise through BLAS (tensordot) instead of its C loop
        y = xp.einsum(eq, *arrays, optimize=len(arrays) > 1)
        if isinstance(y, np.generic):
            y = np.asarray(y)
        elif len(arrays) == 1 and xp.may_share_memory(y, arrays[0]):
            y = y.copy()  # transposes and diagonals come back as views; outputs must own data
        return y

    def backward(self, g):
        ops = self.saved_tensors
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            grads.append(self._grad(i, g, ops) if need else None)
        return tuple(grads)

    def _grad(self, i, g, ops):
        labels = self.ins[i]
        terms = [self.out] + [s for j, s in enumerate(self.ins) if j != i]
        tensors = [g] + [t for j, t in enumerate(ops) if j != i]
        avail = set("".join(terms))
        uniq = "".join(dict.fromkeys(labels))
        keep = "".join(c for c in uniq if c in avail)
        if len(terms) == 1 and terms[0] == keep:
            gi = g
        else:
            gi = Einsum(terms, keep, self.sizes)(*tensors)
        if keep != uniq:
            # labels summed only inside this operand: d/dx of a sum is a broadcast of g
            gi = gi.reshape([self.sizes[c] if c in avail else 1 for c in uniq])
            gi = gi.expand([self.sizes[c] for c in uniq])
        if uniq != labels:
            shape = tuple(self.sizes[c] for c in labels)
            gi = EinsumDiagScatter(labels, uniq, shape)(gi)
        return gi


class EinsumDiagScatter(Function):
    """Zeros of ``shape`` (labels ``labels``, some repeated) with ``input`` (labels ``uniq``)
    written on the generalised diagonal: the gradient of an einsum diagonal like ``ii->i``."""

    _backward_name = "EinsumBackward0"

    def __init__(self, labels, uniq, shape):
        self.labels, self.uniq, self.shape = labels, uniq, shape

    def forward(self, a):
        xp = get_array_module(a)
        out = xp.zeros(self.shape, dtype=a.dtype)
        strides = [sum(out.strides[p] for p, c in enumerate(self.labels) if c == u)
                   for u in self.uniq]
        xp.lib.stride_tricks.as_strided(out, a.shape, strides)[...] = a
        return out

    def backward(self, g):
        sizes = dict(zip(self.labels, self.shape))
        return Einsum([self.labels], self.uniq, sizes)(g)


def _invalid(equation, pos):
    return RuntimeError(f"einsum(): invalid subscript given at index {pos} in the equation "
                        "string, subscripts must be in [a-zA-Z]")


def _parse_term(term, start, equation, k):
    """A term's labels as a list, with None standing for the ellipsis."""
    out, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of "
                                   "any ellipsis")
            if None in out:
                raise RuntimeError(f"einsum(): found '.' for operand {k} for which an ellipsis "
                                   "was already found")
            out.append(None)
            i += 3
            continue
        if c not in _LETTERS:
            raise _invalid(equation, start + i)
        out.append(c)
        i += 1
    return out


def _normalise(equation: str, shapes):
    """Explicit labels per operand and for the output, and the size of every label."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    parsed, pos = [], 0
    for k, term in enumerate(terms):
        parsed.append(_parse_term(term, pos, equation, k))
        pos += len(term) + 1
    used = {c for p in parsed for c in p if c is not None}
    if arrow:
        used |= {c for c in rhs if c in _LETTERS}
    fresh = (c for c in _LETTERS if c not in used)
    ell_ndim = 0
    for k, (p, shape) in enumerate(zip(parsed, shapes)):
        n = len(p) - (None in p)
        if None not in p and n != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does "
                               f"not match the number of dimensions ({len(shape)}) for operand "
                               f"{k} and no ellipsis was given")
        if None in p and n > len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                               f"more than the number of dimensions ({len(shape)}) for operand "
                               f"{k}")
        if None in p:
            ell_ndim = max(ell_ndim, len(shape) - n)
    ell = "".join(next(fresh) for _ in range(ell_ndim))
    ins = []
    for p, shape in zip(parsed, shapes):
        e = len(shape) - (len(p) - (None in p))
        ins.append("".join((ell[ell_ndim - e:] if e else "") if c is None else c for c in p))
    if arrow:
        out_p = _parse_term(rhs, len(lhs) + 2, equation, 0)
        out = "".join(ell if c is None else c for c in out_p)
        seen = set()
        for c in out_p:
            if c is None:
                continue
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
            if c not in "".join(ins):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
            seen.add(c)
    else:
        counts = {}
        for s in ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    # sizes, broadcasting size-1 dims: such a dim gets a label of its own (summed away)
    sizes = {}
    for k, (s, shape) in enumerate(zip(ins, shapes)):
        own = {}
        for c, n in zip(s, shape):
            if c in own and own[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but "
                                   f"the sizes don't match, {n} != {own[c]}")
            own[c] = n
        for c, n in own.items():
            m = sizes.get(c)
            if m is None or m == 1:
                sizes[c] = n
            elif n != m and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {m}")
    for k, (s, shape) in enumerate(zip(ins, shapes)):
        relabel = {}
        for c, n in zip(s, shape):
            if n == 1 and sizes[c] != 1 and c not in relabel:
                relabel[c] = next(fresh)
                sizes[relabel[c]] = 1
        if relabel:
            ins[k] = "".join(relabel.get(c, c) for c in s)
    return ins, out, sizes


def _from_sublists(args):
    """``einsum(op1, [0, 1], op2, [1, 2], [0, 2])`` -> an equation and operands."""
    out = None
    if len(args) % 2:
        out, args = args[-1], args[:-1]
    ops, terms = list(args[0::2]), list(args[1::2])

    def term(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)

    eq = ",".join(term(s) for s in terms)
    if out is not None:
        eq += "->" + term(out)
    return eq, ops


def einsum(*args) -> Tensor:
    """Sums products of operands' elements over the indices the equation names.

    ``einsum(equation, *operands)``; the operands may also come as one list, or in the
    sublist format ``einsum(op1, sub1, op2, sub2, [out_sub])``. Ellipses, implicit output
    (the labels used once, in alphabetical order), diagonals (``ii->i``) and size-1
    broadcasting are supported. Operands must share a dtype.

    Examples
    --------
    >>> import netlab
    >>> netlab.einsum("ij,jk->ik", netlab.ones(2, 3), netlab.ones(3, 4)).shape
    netlab.Size([2, 4])
    """
    if not args or (isinstance(args[0], str) and len(args) == 1):
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _from_sublists(args)
    for op in operands:
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operands must be Tensors, not {type(op).__name__}")
    arrays = [op._array for op in operands]
    ins, out, sizes = _normalise(equation, [a.shape for a in arrays])
    first = arrays[0]
    for a in arrays[1:]:
        if a.dtype != first.dtype:
            from netlab.ops.linalg import _type_name

            raise RuntimeError(f"expected scalar type {_type_name(first)} but found "
                               f"{_type_name(a)}")
        if type(a) is not type(first):
            from netlab.ops.linalg import _check_device

            _check_device(operands[0], operands[arrays.index(a)])
    return Einsum(ins, out, sizes)(*operands)
