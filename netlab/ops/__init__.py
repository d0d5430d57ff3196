"""Primitive ops; each module registers its Tensor methods on import."""
