"""Flatten and Unflatten."""

from __future__ import annotations

from netlab.nn.module import Module


class Flatten(Module):
    """Flattens dims ``start_dim..end_dim`` (default 1..-1, keeping the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def output_shape(self, input_shape: tuple) -> tuple:
        n = len(input_shape)
        if n == 0:
            return (1,)
        s, e = self.start_dim % n if -n <= self.start_dim < n else None, \
            self.end_dim % n if -n <= self.end_dim < n else None
        if s is None or e is None:
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}) is "
                             f"out of range for a {n}-d input")
        if s > e:
            raise ValueError("Flatten: start_dim cannot come after end_dim")
        size = 1
        for d in input_shape[s:e + 1]:
            size *= d
        return tuple(input_shape[:s]) + (size,) + tuple(input_shape[e + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim ``dim`` into ``unflattened_size``."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def output_shape(self, input_shape: tuple) -> tuple:
        n = len(input_shape)
        if not -n <= self.dim < n:
            raise ValueError(f"Unflatten dim {self.dim} is out of range for a {n}-d input")
        d = self.dim % n
        sizes = list(self.unflattened_size)
        known = 1
        for v in sizes:
            if v != -1:
                known *= v
        if -1 in sizes:
            if known == 0 or input_shape[d] % known:
                raise ValueError(f"Unflatten: sizes {self.unflattened_size} cannot split "
                                 f"{input_shape[d]}")
            sizes[sizes.index(-1)] = input_shape[d] // known
        elif known != input_shape[d]:
            raise ValueError(f"Unflatten: sizes {self.unflattened_size} do not multiply to "
                             f"{input_shape[d]}")
        return tuple(input_shape[:d]) + tuple(sizes) + tuple(input_shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
