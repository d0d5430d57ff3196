"""DataLoader: batches from a dataset, in the main thread or with workers.

``num_workers > 0`` runs the workers as threads by default: they share the dataset, need no
pickling and work the same on every platform (numpy releases the GIL in its heavy loops).
Passing ``multiprocessing_context`` ("spawn", "fork", "forkserver" or a context object)
runs them as processes instead; the dataset, ``collate_fn`` and ``worker_init_fn`` must then
be picklable. Either way batches come back in the sampler's order (``in_order=True``), and
each worker keeps ``prefetch_factor`` batches in flight.
"""

from __future__ import annotations

import collections.abc
import copy
import itertools
import math
import multiprocessing
import os
import queue
import random
import re
import sys
import threading
import time
import traceback
import warnings

import numpy as np

from netlab.utils.data.dataset import IterableDataset
from netlab.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info", "WorkerInfo"]

_np_str_obj_array_pattern = re.compile(r"[SaUO]")
_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found {}")


# collate ----------------------------------------------------------------------------------
def _tensor_type():
    from netlab.tensor import Tensor

    return Tensor


def default_convert(data):
    """Turn numpy arrays (also inside mappings and sequences) into tensors; the collate
    function used when automatic batching is off (``batch_size=None``).

    Examples
    --------
    >>> import numpy as np
    >>> default_convert((np.array([0, 1]), 2))
    [tensor([0, 1]), 2]
    """
    import netlab

    elem_type = type(data)
    if isinstance(data, _tensor_type()):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if (elem_type.__name__ == "ndarray"
                and _np_str_obj_array_pattern.search(data.dtype.str) is not None):
            return data
        return netlab.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as PyTorch
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stack a list of samples into a batch: tensors are stacked along a new first
    dimension, numpy arrays become tensors, Python floats a float64 tensor, ints an int64
    tensor, strings stay as they are; tuples, lists, dicts and namedtuples are collated field
    by field (a tuple becomes a list, as in PyTorch).

    Examples
    --------
    >>> default_collate([(1, 0.5, "a"), (2, 1.5, "b")])
    [tensor([1, 2]), tensor([0.5000, 1.5000], dtype=netlab.float64), ('a', 'b')]
    """
    import netlab

    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, _tensor_type()):
        return netlab.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return default_collate([netlab.as_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return netlab.as_tensor(np.array(batch))
    if elem_type is float:
        return netlab.tensor(batch, dtype=netlab.float64)
    if elem_type is int:
        return netlab.tensor(batch)
    if elem_type in (str, bytes):
        return batch
    if isinstance(elem, float):
        return netlab.tensor(batch, dtype=netlab.float64)
    if isinstance(elem, int):  # bool and int subclasses
        return netlab.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: default_collate([d[key] for d in batch]) for key in elem})
                return clone
            return elem_type({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = default_collate(samples)
                return clone
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_COLLATE_ERR.format(elem_type))


# workers ----------------------------------------------------------------------------------
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


class _InfiniteConstantSampler(Sampler):
    def __iter__(self):
        while True:
            yield None


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


# the loader -------------------------------------------------------------------------------
class DataLoader:
    """Iterate over ``dataset`` in batches.

    Parameters follow PyTorch: ``batch_size`` (None turns batching off), ``shuffle`` (a
    :class:`RandomSampler` drawing from ``generator``), ``sampler`` or ``batch_sampler``,
    ``num_workers`` (threads, or processes when ``multiprocessing_context`` is given),
    ``collate_fn`` (default :func:`default_collate`), ``drop_last``, ``timeout``,
    ``worker_init_fn(worker_id)``, ``prefetch_factor``, ``persistent_workers`` and
    ``in_order``. ``pin_memory`` is accepted and does nothing.

    Examples
    --------
    >>> import netlab
    >>> from netlab.utils.data import TensorDataset
    >>> ds = TensorDataset(netlab.arange(10.0), netlab.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True,
    ...                     generator=netlab.Generator().manual_seed(0))
    >>> len(loader), [len(x) for x, y in loader]
    (3, [4, 4, 2])
    """

    _initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0, collate_fn=None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        if isinstance(dataset, IterableDataset):
            self._iterable = True
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._iterable = False
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None
        self._iterator = None
        self._initialized = True

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, ctx) -> None:
        if ctx is not None:
            if self.num_workers <= 0:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(ctx, str):
                methods = multiprocessing.get_all_start_methods()
                if ctx not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid "
                                     f"start method in {methods!r}, but got "
                                     f"multiprocessing_context={ctx!r}")
                ctx = multiprocessing.get_context(ctx)
            if not isinstance(ctx, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context "
                                "object or a string specifying the start method, but got "
                                f"multiprocessing_context={ctx}")
        self._multiprocessing_context = ctx

    def __setattr__(self, attr, val) -> None:
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler",
                                          "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _WorkerIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = (length // self.batch_size if self.drop_last
                          else math.ceil(length / self.batch_size))
            return length
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader: DataLoader):
        import netlab

        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        self._sampler_iter = iter(self._index_sampler)
        # one draw per pass from the loader's generator, as PyTorch (the workers' seeds)
        self._base_seed = int(netlab.empty((), dtype=netlab.int64)
                              .random_(generator=loader.generator).item())
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            warnings.warn(f"Length of IterableDataset {self._dataset} was reported to be "
                          f"{self._IterableDataset_len_called}(when accessing "
                          f"len(dataloader)), but {self._num_yielded} samples have been "
                          "fetched. ", stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleProcessIter(_BaseIter):
    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        self._fetcher = _make_fetcher(self._iterable, self._dataset, self._auto_collation,
                                      self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._fetcher.fetch(index)


class _WorkerIter(_BaseIter):
    """Workers fetch whole batches; tasks go round robin to the workers and results are put
    back in order (up to ``prefetch_factor * num_workers`` tasks in flight)."""

    _CHECK_S = 1.0  # how often a waiting main thread checks for dead workers and timeout

    def __init__(self, loader: DataLoader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        ctx = loader.multiprocessing_context
        self._method = "thread" if ctx is None else "multiprocessing"
        make_queue = queue.Queue if ctx is None else ctx.Queue
        self._data_queue = make_queue()
        self._index_queues, self._workers = [], []
        for i in range(self._num_workers):
            iq = make_queue()
            args = (self._iterable, self._dataset, iq, self._data_queue, self._auto_collation,
                    self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn,
                    i, self._num_workers, self._method, os.getpid())
            if ctx is None:
                w = threading.Thread(target=_worker_loop, args=args, daemon=True,
                                     name=f"DataLoader worker {i}")
            else:
                w = ctx.Process(target=_worker_loop, args=args, daemon=True)
                iq.cancel_join_thread()
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._shutdown = False
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter: bool = False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: restart every worker's pass and drop what is left over
            for iq in self._index_queues:
                iq.put(_ResumeIteration())
            acks = 0
            while acks < self._num_workers:
                key, _ = self._get_data()
                if isinstance(key, _ResumeIteration):
                    acks += 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_status[worker_id]:
                break
        else:
            return  # every worker has finished its iterable dataset
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_data(self):
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else math.inf
        while True:
            wait = min(self._CHECK_S, max(deadline - time.monotonic(), 0.0))
            try:
                return self._data_queue.get(timeout=wait)
            except queue.Empty:
                if time.monotonic() >= deadline:
                    raise RuntimeError(
                        f"DataLoader timed out after {self._timeout} seconds") from None
                dead = [w for w in self._workers if not w.is_alive()]
                if dead:
                    ids = ", ".join(str(getattr(w, "pid", w.name)) for w in dead)
                    self._shutdown_workers()
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {ids}) exited unexpectedly") from None

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                data = self._task_info.pop(self._rcvd_idx)[1]
                self._rcvd_idx += 1
                return self._process_data(data)
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _IterableDatasetStopIteration):
                self._workers_status[data.worker_id] = False
                del self._task_info[idx]
                self._try_put_index()
                continue
            if idx == self._rcvd_idx:
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process_data(data)
            if not self._in_order:
                del self._task_info[idx]
                return self._process_data(data)
            self._task_info[idx] += (data,)

    def _process_data(self, data):
        self._try_put_index()
        if isinstance(data, _ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        for iq in self._index_queues:
            iq.put(None)
        if self._method == "multiprocessing":
            for w in self._workers:
                w.join(timeout=5.0)
                if w.is_alive():
                    w.terminate()
            for q in (*self._index_queues, self._data_queue):
                q.cancel_join_thread()
                q.close()

    def __del__(self):
        if not getattr(self, "_shutdown", True):
            try:
                self._shutdown_workers()
            except Exception:  # interpreter shutdown: queues may already be gone
                pass
