"""Built-in data sets generated on the spot, deterministic from the seed.

Each generator takes a numpy Generator and its own keyword options and returns
``(x, y, task, classes, info)`` for `data.finish`. The generators draw from
``np.random.default_rng([seed, k])`` with a stream number `k` of their own, so a data set does
not change when another one is added.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GENERATORS"]

F32 = np.float32


def _seed_linspace(start: float, end: float, steps: int) -> np.ndarray:
    """torch.linspace(start, end, steps) in float32, bit for bit (so "sin" is the seeds' x)."""
    s, e = F32(start), F32(end)
    step = (e - s) / F32(steps - 1)
    i = np.arange(steps, dtype=np.float64)
    # torch fills the first half forwards from start and the second half backwards from end
    out = np.where(i < steps // 2, np.float64(s) + np.float64(step) * i,
                   np.float64(e) - np.float64(step) * (steps - 1 - i))
    return out.astype(F32)


def sin(rng, *, n_samples: int = 2000, degree: int = 1):
    """sin(x) on [-pi, pi]; features x^1..x^degree (degree=3: the seeds' polynomial fit)."""
    x = _seed_linspace(-math.pi, math.pi, n_samples)
    # powers in float64, then float32: the same values as the seeds' x.unsqueeze(-1).pow(p)
    feats = x.astype(np.float64)[:, None] ** np.arange(1, degree + 1)
    return feats.astype(F32), np.sin(x), "regression", None, {}


def regression(rng, *, n_samples: int = 64, d_in: int = 1000, d_out: int = 10):
    """Random inputs and targets as the seeds' two-layer net (N, D_in, D_out)."""
    x = rng.standard_normal((n_samples, d_in), dtype=F32)
    y = rng.standard_normal((n_samples, d_out), dtype=F32)
    return x, y, "regression", None, {}


def moons(rng, *, n_samples: int = 500, noise: float = 0.1):
    """Two interleaving half circles."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out, t_in = np.linspace(0, math.pi, n_out), np.linspace(0, math.pi, n_in)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.repeat([0, 1], [n_out, n_in])
    x = x + noise * rng.standard_normal(x.shape)
    return x, y, "classification", ["0", "1"], {}


def circles(rng, *, n_samples: int = 500, noise: float = 0.05, factor: float = 0.5):
    """A small circle inside a large one."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * math.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * math.pi, n_in, endpoint=False)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.repeat([0, 1], [n_out, n_in])
    x = x + noise * rng.standard_normal(x.shape)
    return x, y, "classification", ["outer", "inner"], {}


def spirals(rng, *, n_samples: int = 600, noise: float = 0.2, classes: int = 3):
    """`classes` interleaved spiral arms (the classic CS231n toy problem)."""
    per = np.full(classes, n_samples // classes)
    per[: n_samples % classes] += 1
    xs, ys = [], []
    for k, m in enumerate(per):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, m) + noise * rng.standard_normal(m)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(m, k))
    return (np.concatenate(xs), np.concatenate(ys), "classification",
            [str(k) for k in range(classes)], {})


def xor(rng, *, n_samples: int = 400, noise: float = 0.1):
    """Points in [-1, 1]^2 labelled by the sign of x0 * x1 (XOR of the signs)."""
    x = rng.uniform(-1.0, 1.0, (n_samples, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    x = x + noise * rng.standard_normal(x.shape)
    return x, y, "classification", ["0", "1"], {}


def blobs(rng, *, n_samples: int = 300, noise: float = 1.0, classes: int = 3):
    """Gaussian blobs (std `noise`) around `classes` centres drawn in [-10, 10]^2."""
    centres = rng.uniform(-10.0, 10.0, (classes, 2))
    y = np.arange(n_samples) % classes
    x = centres[y] + noise * rng.standard_normal((n_samples, 2))
    return x, y, "classification", [str(k) for k in range(classes)], {
        "centres": centres.round(6).tolist()}


def images(rng, *, shape=(3, 32, 32), classes: int = 10, n_samples: int = 256,
           noise: float = 1.0):
    """Image-shaped samples: a random template per class plus Gaussian noise (learnable)."""
    shape = tuple(int(s) for s in shape)
    templates = rng.standard_normal((classes, *shape), dtype=F32)
    y = rng.integers(0, classes, n_samples)
    x = templates[y] + F32(noise) * rng.standard_normal((n_samples, *shape), dtype=F32)
    return x, y, "classification", [str(k) for k in range(classes)], {"shape": list(shape)}


# name -> (generator, stream, description)
GENERATORS = {
    "sin": (sin, 1, "sin(x) on [-pi, pi], 2000 points (regression; degree=3: polynomial fit)"),
    "regression": (regression, 2, "random regression: n_samples x d_in -> d_out (64, 1000, 10)"),
    "moons": (moons, 3, "two interleaving half circles (2-D, 2 classes)"),
    "circles": (circles, 4, "a circle inside a circle (2-D, 2 classes)"),
    "spirals": (spirals, 5, "interleaved spiral arms (2-D, classes=3)"),
    "xor": (xor, 6, "the XOR of two signs (2-D, 2 classes)"),
    "blobs": (blobs, 7, "Gaussian blobs (2-D, classes=3)"),
    "images": (images, 8, "random image-shaped data: shape=(3, 32, 32), classes=10"),
}
