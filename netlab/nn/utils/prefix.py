"""Adding and stripping a state_dict key prefix such as DataParallel's 'module.'."""

from __future__ import annotations

__all__ = ["consume_prefix_in_state_dict_if_present", "add_prefix_to_state_dict"]


def consume_prefix_in_state_dict_if_present(state_dict: dict, prefix: str) -> None:
    """Strip ``prefix`` from the keys that start with it, in place, and from ``_metadata``.

    A state_dict saved from a ``DataParallel``/``DistributedDataParallel`` model has keys
    ``module.<name>``; stripping ``'module.'`` makes it load into the bare model. Keys without
    the prefix are left alone (so calling it twice is harmless). As in PyTorch, the metadata
    entry of the wrapper itself (``''``) is replaced by the wrapped model's (``'module'``).

    Examples
    --------
    >>> from collections import OrderedDict
    >>> sd = OrderedDict([("module.fc.weight", 1), ("module.fc.bias", 2)])
    >>> consume_prefix_in_state_dict_if_present(sd, "module.")
    >>> list(sd)
    ['fc.weight', 'fc.bias']
    """
    for key in list(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    meta = getattr(state_dict, "_metadata", None)
    if meta is not None:
        for key in list(meta.keys()):
            # '' is the wrapper (kept unless the wrapped root overwrites it), 'module' the
            # wrapped root, 'module.xx' the rest
            if key and (key == prefix.replace(".", "") or key.startswith(prefix)):
                meta[key[len(prefix):]] = meta.pop(key)


def add_prefix_to_state_dict(state_dict: dict, prefix: str) -> None:
    """Prepend ``prefix`` to every key, in place, and to the ``_metadata`` entries.

    The inverse of :func:`consume_prefix_in_state_dict_if_present`: it turns a bare model's
    state_dict into one that loads into ``DataParallel(model)`` (prefix ``'module.'``). Key
    order is kept. The metadata root ``''`` becomes ``'module'``, as in a wrapper's state_dict.

    Examples
    --------
    >>> sd = {"fc.weight": 1}
    >>> add_prefix_to_state_dict(sd, "module.")
    >>> list(sd)
    ['module.fc.weight']
    """
    if not prefix:
        return
    items = [(prefix + key, value) for key, value in state_dict.items()]
    state_dict.clear()  # rebuilt whole, so that a key that already had the prefix is not hit
    state_dict.update(items)
    meta = getattr(state_dict, "_metadata", None)
    if meta is not None:
        items = [((prefix + key) if key else prefix.rstrip("."), v) for key, v in meta.items()]
        meta.clear()
        meta.update(items)
