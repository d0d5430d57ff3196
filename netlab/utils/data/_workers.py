"""What runs inside a DataLoader worker (thread or process): the fetchers, the worker loop
and the messages it sends back to the main thread."""

from __future__ import annotations

import os
import queue
import random
import sys
import threading
import traceback

import numpy as np

__all__ = ["get_worker_info", "WorkerInfo"]


class WorkerInfo:
    """What a worker knows about itself: ``id``, ``num_workers``, ``seed``, ``dataset`` and
    ``worker_method`` ("thread" or "multiprocessing")."""

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __repr__(self):
        items = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"WorkerInfo({items})"


_worker_local = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker (thread or process): its :class:`WorkerInfo`; in the main
    thread: None.

    Examples
    --------
    >>> get_worker_info() is None
    True
    """
    return getattr(_worker_local, "info", None)


class _ExceptionWrapper:
    """An exception raised in a worker, re-raised in the main thread with its traceback."""

    def __init__(self, where: str):
        exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            raise KeyError(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


class _IterableDatasetStopIteration:
    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class _ResumeIteration:
    pass


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation = dataset, auto_collation
        self.collate_fn, self.drop_last = collate_fn, drop_last

    def fetch(self, index):
        if self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher(_MapFetcher):
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def _make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last):
    cls = _IterableFetcher if iterable else _MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _worker_loop(iterable, dataset, index_queue, data_queue, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, method, parent_pid):
    """The body of one worker thread or process: fetch the batches whose indices arrive on
    ``index_queue`` and put ``(task index, batch)`` on ``data_queue``; ``None`` stops it."""
    seed = base_seed + worker_id
    if method == "multiprocessing":
        # a process owns its random state, so seed it as PyTorch seeds its workers
        import netlab

        random.seed(seed)
        netlab.manual_seed(seed)
        np.random.seed(np.random.SeedSequence([worker_id, base_seed & (2 ** 64 - 1)])
                       .generate_state(4))
    _worker_local.info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                    dataset=dataset, worker_method=method)
    where = f"in DataLoader worker {'process' if method == 'multiprocessing' else 'thread'} " \
            f"{worker_id}"
    init_exception = fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = _make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_exception = _ExceptionWrapper(where)
    iteration_end = False
    while True:
        try:
            r = index_queue.get(timeout=5.0)
        except queue.Empty:
            if method == "multiprocessing" and os.getppid() != parent_pid:
                break  # the main process is gone
            continue
        if r is None:
            break
        if isinstance(r, _ResumeIteration):
            data_queue.put((r, None))
            iteration_end = False
            if iterable and init_exception is None:
                fetcher = _make_fetcher(iterable, dataset, auto_collation, collate_fn,
                                        drop_last)
            continue
        if iteration_end:
            continue
        idx, index = r
        if init_exception is not None:
            data, init_exception = init_exception, None
        else:
            try:
                data = fetcher.fetch(index)
            except StopIteration:
                if not iterable:
                    data = _ExceptionWrapper(where)
                else:
                    data = _IterableDatasetStopIteration(worker_id)
                    iteration_end = True
            except Exception:
                data = _ExceptionWrapper(where)
        data_queue.put((idx, data))
        del data, r
    _worker_local.info = None
