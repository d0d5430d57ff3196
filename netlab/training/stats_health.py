"""Health flags for :mod:`netlab.training.stats`: vanishing, exploding, dead, non-finite."""

from __future__ import annotations

import math
from dataclasses import dataclass

HEALTHY, VANISHING, EXPLODING, DEAD, NONFINITE = (
    "healthy", "vanishing", "exploding", "dead", "nonfinite")


@dataclass
class HealthThresholds:
    """When a layer's statistics count as unhealthy.

    Parameters
    ----------
    vanishing : a layer's gradient norm below this ...
    patience : ... for this many consecutive collected steps is "vanishing".
    exploding : a gradient norm above this is "exploding" ...
    growth : ... and so is one that grew by this factor since the last collected step,
        provided it is also above ``growth_floor`` (so that tiny gradients waking up, e.g. in
        the first steps, are not flagged).
    dead : a ReLU-like layer whose fraction of units that output zero for the whole batch is
        above this is "dead".

    Examples
    --------
    >>> HealthThresholds(patience=5).vanishing
    1e-07
    """

    vanishing: float = 1e-7
    patience: int = 20
    exploding: float = 1e3
    growth: float = 10.0
    growth_floor: float = 1.0
    dead: float = 0.5

    def __post_init__(self):
        for name in ("vanishing", "exploding", "growth", "growth_floor", "dead"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"HealthThresholds.{name} must be a finite number >= 0, got "
                                 f"{value!r}")
        if not isinstance(self.patience, int) or self.patience < 1:
            raise ValueError(f"HealthThresholds.patience must be an integer >= 1 (collected "
                             f"steps), got {self.patience!r}")
        if self.growth <= 1:
            raise ValueError(f"HealthThresholds.growth must be > 1 (a growth factor), got "
                             f"{self.growth!r}")


def _finite(value) -> bool:
    return value is None or math.isfinite(value)


class HealthMonitor:
    """Keeps the per-layer history the flags need (low-norm streaks, last norm)."""

    def __init__(self, thresholds: HealthThresholds):
        self.t = thresholds
        self._low: dict[str, int] = {}
        self._prev: dict[str, float] = {}

    def update(self, layers: dict[str, dict], bad_params: dict[str, list[str]]
               ) -> tuple[dict[str, str], list[str]]:
        """Health of every layer and the messages for the unhealthy ones, for one step."""
        t = self.t
        health, flags = {}, []
        for name, st in layers.items():
            found = []
            g = st["grad_norm"]
            grads_ok = _finite(g) and _finite(st["grad_max_abs"]) and _finite(st["grad_mean"])
            if not grads_ok or name in bad_params:
                where = ", ".join(bad_params.get(name, ())) or name
                found.append((NONFINITE, f"{name}: NaN/Inf in the gradient of {where}"))
            if not _finite(st["weight_norm"]):
                found.append((NONFINITE, f"{name}: NaN/Inf in the weights"))
            if not (_finite(st["activation_mean"]) and _finite(st["activation_std"])):
                found.append((NONFINITE, f"{name}: NaN/Inf in the layer's output"))
            if g is not None and grads_ok:
                prev = self._prev.get(name)
                if g > t.exploding:
                    found.append((EXPLODING, f"{name}: gradient norm {g:.3g} is above "
                                             f"{t.exploding:.3g} (exploding gradients)"))
                elif prev and g > t.growth * prev and g > t.growth_floor:
                    found.append((EXPLODING, f"{name}: gradient norm grew {g / prev:.3g}x "
                                             f"since the last collected step, to {g:.3g} "
                                             f"(exploding gradients)"))
                self._prev[name] = g
                low = self._low[name] = self._low.get(name, 0) + 1 if g < t.vanishing else 0
                if low >= t.patience:
                    found.append((VANISHING, f"{name}: gradient norm {g:.3g} has stayed below "
                                             f"{t.vanishing:.3g} for {low} collected steps "
                                             f"(vanishing gradients)"))
            dead = st["dead_units_fraction"]
            if dead is not None and dead > t.dead:
                found.append((DEAD, f"{name}: {dead:.0%} of its units output zero for the "
                                    f"whole batch (dead ReLUs)"))
            found.sort(key=lambda f: _RANK[f[0]])
            health[name] = found[0][0] if found else HEALTHY
            flags.extend(msg for _, msg in found)
        return health, flags


_RANK = {NONFINITE: 0, EXPLODING: 1, DEAD: 2, VANISHING: 3}
