"""netlab.utils.data against torch.utils.data: datasets, samplers, default_collate and the
DataLoader (lengths, batches, drop_last, seeded shuffling, thread and process workers)."""

import collections
import threading
import time

import numpy as np
import pytest

import netlab
from netlab.utils import data as nd
from tests.netlab.parity import torch

td = torch.utils.data
Point = collections.namedtuple("Point", "x y")


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else x


def assert_same(ours, theirs):
    """Same structure, container types, dtypes, shapes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, netlab.Tensor), type(ours)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(_np(ours), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            assert_same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray)
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def _lib_pair(make):
    """Build the same batch from netlab and torch tensors (``make(lib)``)."""
    return make(netlab), make(torch)


# default_collate ----------------------------------------------------------------------------
COLLATE = {
    "tensors": lambda L: [L.tensor([[1.0, 2.0]]), L.tensor([[3.0, 4.0]])],
    "int_tensors_0d": lambda L: [L.tensor(1), L.tensor(2), L.tensor(3)],
    "python_floats": lambda L: [0.5, 1.5, 2.0],
    "python_ints": lambda L: [1, 2, 3],
    "bools": lambda L: [True, False],
    "strings": lambda L: ["a", "b"],
    "numpy_f32": lambda L: [np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)],
    "numpy_i32": lambda L: [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
    "numpy_scalars": lambda L: [np.float32(1.5), np.float32(2.5)],
    "numpy_f64_scalars": lambda L: [np.float64(1.5), np.float64(2.5)],
    "numpy_bool_scalars": lambda L: [np.bool_(True), np.bool_(False)],
    "tuples": lambda L: [(L.tensor([1.0]), 1, "x"), (L.tensor([2.0]), 2, "y")],
    "lists": lambda L: [[1.0, 2], [3.0, 4]],
    "dicts": lambda L: [{"img": L.zeros(2, 2), "label": 3},
                        {"img": L.ones(2, 2), "label": 4}],
    "nested": lambda L: [{"a": (1, [2.0, 3.0])}, {"a": (4, [5.0, 6.0])}],
    "namedtuple": lambda L: [Point(1, L.tensor(2.0)), Point(3, L.tensor(4.0))],
    "ordered_dict": lambda L: [collections.OrderedDict(b=1, a=2.0),
                               collections.OrderedDict(b=3, a=4.0)],
}


@pytest.mark.parametrize("name", COLLATE)
def test_default_collate_matches_torch(name):
    ours, theirs = _lib_pair(COLLATE[name])
    assert_same(nd.default_collate(ours), td.default_collate(theirs))


@pytest.mark.parametrize("name", ["tensors", "numpy_f32", "numpy_scalars", "tuples", "dicts",
                                  "namedtuple", "strings"])
def test_default_convert_matches_torch(name):
    ours, theirs = _lib_pair(COLLATE[name])
    assert_same(nd.default_convert(ours[0]), td.default_convert(theirs[0]))


def test_collate_errors_as_torch():
    for mod in (nd, td):
        with pytest.raises(RuntimeError, match="each element in list of batch should be of "
                                               "equal size"):
            mod.default_collate([[1, 2], [3]])
        with pytest.raises(TypeError, match="default_collate: batch must contain tensors, "
                                            "numpy arrays, numbers, dicts or lists; found"):
            mod.default_collate([object(), object()])
        with pytest.raises(TypeError, match="found <U1"):
            mod.default_collate([np.array(["a"]), np.array(["b"])])


# datasets -----------------------------------------------------------------------------------
def test_tensor_dataset_and_size_mismatch():
    x = np.arange(12.0).reshape(6, 2)
    y = np.arange(6)
    ours = nd.TensorDataset(netlab.tensor(x), netlab.tensor(y))
    theirs = td.TensorDataset(torch.tensor(x), torch.tensor(y))
    assert len(ours) == len(theirs) == 6
    for i in (0, 3, -1):
        assert_same(ours[i], theirs[i])
    assert_same(ours[[1, 4]], theirs[[1, 4]])
    assert_same(ours[1:3], theirs[1:3])
    for lib, mod in ((netlab, nd), (torch, td)):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            mod.TensorDataset(lib.zeros(3, 2), lib.zeros(4))


class Squares(nd.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


def test_subset_and_concat_indexing_match_torch():
    base = list(range(100, 110))
    ours = nd.ConcatDataset([base[:3], nd.Subset(base, [9, 0, 4]), base[5:9]])
    theirs = td.ConcatDataset([base[:3], td.Subset(base, [9, 0, 4]), base[5:9]])
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [3, 6, 10]
    assert [ours[i] for i in range(-10, 10)] == [theirs[i] for i in range(-10, 10)]
    for ds in (ours, theirs):
        with pytest.raises(ValueError, match="absolute value of index should not exceed"):
            ds[-11]
        with pytest.raises(IndexError):
            ds[10]
    assert ours.datasets[1].__getitems__([0, 2]) == [109, 104]
    for mod in (nd, td):
        with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
            mod.ConcatDataset([])
    added = Squares(3) + Squares(2)
    assert isinstance(added, nd.ConcatDataset) and [added[i] for i in range(5)] == \
        [0, 1, 4, 0, 1]
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        nd.Dataset()[0]


def test_subset_of_tensor_dataset_takes_list_indices():
    ds = nd.TensorDataset(netlab.arange(10) * 2)
    sub = nd.Subset(ds, [7, 2, 5])
    assert sub[[0, 2]][0].tolist() == [14, 10]
    assert len(sub) == 3 and sub[-1][0].item() == 10

    class Bad(nd.Subset):
        def __getitem__(self, i):
            return 0

    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        Bad(ds, [0])


class Stream(nd.IterableDataset):
    """Yields start..end-1, split between DataLoader workers as PyTorch documents."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __len__(self):
        return self.end - self.start

    def __iter__(self):
        info = nd.get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


class TStream(td.IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __len__(self):
        return self.end - self.start

    def __iter__(self):
        info = td.get_worker_info()
        if info is None:
            return iter(range(self.start, self.end))
        per = -(-(self.end - self.start) // info.num_workers)
        lo = self.start + info.id * per
        return iter(range(lo, min(lo + per, self.end)))


def test_iterable_and_chain_datasets():
    chained = Stream(0, 3) + Stream(10, 12)
    assert isinstance(chained, nd.ChainDataset)
    assert list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        nd.ConcatDataset([Stream(0, 2)])


# random_split -------------------------------------------------------------------------------
@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.3, 0.7]), (30, [0.3, 0.3, 0.4]),
                                       (11, [0.5, 0.5]), (7, [0.25, 0.25, 0.25, 0.25]),
                                       (5, [5, 0])])
def test_random_split_lengths_match_torch(n, lengths):
    ours = nd.random_split(range(n), lengths, generator=netlab.Generator().manual_seed(1))
    theirs = td.random_split(range(n), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    flat = [x for s in ours for x in s]
    assert sorted(flat) == list(range(n))  # a partition
    again = nd.random_split(range(n), lengths, generator=netlab.Generator().manual_seed(1))
    assert [list(s) for s in again] == [list(s) for s in ours]  # reproducible


def test_random_split_default_generator_and_errors():
    netlab.manual_seed(5)
    a = [list(s) for s in nd.random_split(range(20), [10, 10])]
    netlab.manual_seed(5)
    b = [list(s) for s in nd.random_split(range(20), [10, 10])]
    assert a == b
    other = [list(s) for s in nd.random_split(range(20), [10, 10],
                                              generator=netlab.Generator().manual_seed(6))]
    assert other != a
    for mod in (nd, td):
        with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
            mod.random_split(range(10), [3, 6])
        with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
            mod.random_split(range(10), [1.5, -0.5])
        with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
            mod.random_split(range(2), [0.9, 0.1])


# samplers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True),
                                       (2, 5, False), (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(n, bs, drop):
    ours = nd.BatchSampler(nd.SequentialSampler(range(n)), bs, drop)
    theirs = td.BatchSampler(td.SequentialSampler(range(n)), bs, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    # any iterable of indices works as the sampler
    assert list(nd.BatchSampler([5, 3, 1], 2, False)) == [[5, 3], [1]]


def test_sampler_errors_as_torch():
    for mod in (nd, td):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            mod.BatchSampler(range(3), 0, False)
        with pytest.raises(ValueError, match="drop_last should be a boolean value"):
            mod.BatchSampler(range(3), 2, 1)
        with pytest.raises(TypeError, match="replacement should be a boolean value"):
            mod.RandomSampler(range(3), replacement=1)
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            mod.RandomSampler(range(3), num_samples=0)
        with pytest.raises(ValueError, match="weights should be a 1d sequence"):
            mod.WeightedRandomSampler([[1.0]], 2)


def test_random_samplers_are_seeded_permutations():
    g = lambda: netlab.Generator().manual_seed(3)  # noqa: E731
    a = list(nd.RandomSampler(range(50), generator=g()))
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert a == list(nd.RandomSampler(range(50), generator=g()))
    s = nd.RandomSampler(range(50), generator=g())
    assert list(s) != list(s)  # the generator moves on between passes
    # num_samples without replacement: whole permutations, then a partial one
    b = list(nd.RandomSampler(range(4), num_samples=10, generator=g()))
    assert len(b) == 10 and sorted(b[:4]) == sorted(b[4:8]) == [0, 1, 2, 3]
    c = list(nd.RandomSampler(range(5), replacement=True, num_samples=70, generator=g()))
    assert len(c) == 70 and set(c) <= set(range(5)) and len(set(c)) == 5
    assert len(nd.RandomSampler(range(5), replacement=True, num_samples=70)) == 70
    netlab.manual_seed(0)
    d = list(nd.RandomSampler(range(20)))
    netlab.manual_seed(0)
    assert d == list(nd.RandomSampler(range(20)))
    e = list(nd.SubsetRandomSampler([10, 20, 30, 40], generator=g()))
    assert sorted(e) == [10, 20, 30, 40]
    w = list(nd.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 40, generator=g()))
    assert len(w) == 40 and set(w) == {1, 3}
    w2 = list(nd.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False, generator=g()))
    assert sorted(w2) == [0, 1, 2]


# DataLoader ---------------------------------------------------------------------------------
def _xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 3
    return (nd.TensorDataset(netlab.tensor(x), netlab.tensor(y)),
            td.TensorDataset(torch.tensor(x), torch.tensor(y)))


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (10, 5, False),
                                       (10, 5, True), (10, 1, False), (3, 4, False),
                                       (3, 4, True)])
def test_loader_lengths_and_sequential_batches_match_torch(n, bs, drop):
    ours_ds, theirs_ds = _xy(n)
    ours = nd.DataLoader(ours_ds, batch_size=bs, drop_last=drop)
    theirs = td.DataLoader(theirs_ds, batch_size=bs, drop_last=drop)
    assert len(ours) == len(theirs)
    ob, tb = list(ours), list(theirs)
    assert len(ob) == len(tb) == len(ours)
    for a, b in zip(ob, tb):
        assert_same(a, b)


def test_loader_default_batch_size_none_and_custom_collate_match_torch():
    ours_ds, theirs_ds = _xy(4)
    assert_same(list(nd.DataLoader(ours_ds)), list(td.DataLoader(theirs_ds)))
    assert_same(list(nd.DataLoader(ours_ds, batch_size=None)),
                list(td.DataLoader(theirs_ds, batch_size=None)))
    arrays = [{"a": np.full(2, i, np.float32), "i": i} for i in range(5)]
    assert_same(list(nd.DataLoader(arrays, batch_size=2)), list(td.DataLoader(arrays,
                                                                             batch_size=2)))
    assert_same(list(nd.DataLoader(arrays, batch_size=None)),
                list(td.DataLoader(arrays, batch_size=None)))
    first = lambda batch: batch[0]  # noqa: E731
    assert list(nd.DataLoader(range(7), batch_size=3, collate_fn=first)) == [0, 3, 6]


def test_loader_sampler_and_batch_sampler_match_torch():
    ours_ds, theirs_ds = _xy(10)
    order = [9, 2, 4, 0, 7]
    assert_same(list(nd.DataLoader(ours_ds, batch_size=2, sampler=order)),
                list(td.DataLoader(theirs_ds, batch_size=2, sampler=order)))
    batches = [[1, 2, 3], [0], [9, 8]]
    ours = nd.DataLoader(ours_ds, batch_sampler=batches)
    theirs = td.DataLoader(theirs_ds, batch_sampler=batches)
    assert len(ours) == len(theirs) == 3
    assert_same(list(ours), list(theirs))
    assert ours.batch_size is None and ours.drop_last is False


def test_loader_shuffle_is_reproducible_with_a_generator():
    ds, _ = _xy(23)

    def epochs(**kw):
        loader = nd.DataLoader(ds, batch_size=4, shuffle=True,
                               generator=netlab.Generator().manual_seed(7), **kw)
        return [[y.tolist() for _, y in loader] for _ in range(2)], \
            [[x[:, 0].tolist() for x, _ in loader] for _ in range(1)]

    first = epochs()
    assert first == epochs()
    rows = [v for batch in first[1][0] for v in batch]
    assert sorted(rows) == sorted(float(3 * i) for i in range(23))
    assert rows != sorted(rows)
    assert first[0][0] != first[0][1]  # each pass draws a new order
    assert epochs(num_workers=2) == first  # workers do not change the order
    netlab.manual_seed(11)
    a = [y.tolist() for _, y in nd.DataLoader(ds, batch_size=5, shuffle=True)]
    netlab.manual_seed(11)
    assert a == [y.tolist() for _, y in nd.DataLoader(ds, batch_size=5, shuffle=True)]


class SlowSquares(nd.Dataset):
    """Later items come back sooner, so that workers finish out of order."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        time.sleep(0.002 * (12 - i))
        return {"i": i, "sq": np.array([i * i], dtype=np.int64),
                "thread": threading.current_thread().name}


@pytest.mark.parametrize("kw", [dict(), dict(prefetch_factor=1), dict(drop_last=True),
                                dict(persistent_workers=True)])
def test_workers_give_the_same_batches_in_order(kw):
    ds = SlowSquares()
    want = [{"i": b["i"].tolist(), "sq": b["sq"].tolist()}
            for b in nd.DataLoader(ds, batch_size=5, drop_last=kw.get("drop_last", False))]
    loader = nd.DataLoader(ds, batch_size=5, num_workers=2, **kw)
    for _ in range(2):
        got = list(loader)
        assert [{"i": b["i"].tolist(), "sq": b["sq"].tolist()} for b in got] == want
        assert {t for b in got for t in b["thread"]} == {"DataLoader worker 0",
                                                         "DataLoader worker 1"}


def test_workers_out_of_order_and_persistent_restart_mid_epoch():
    loader = nd.DataLoader(SlowSquares(), batch_size=2, num_workers=3, in_order=False)
    got = sorted(i for b in loader for i in b["i"].tolist())
    assert got == list(range(12))
    loader = nd.DataLoader(SlowSquares(), batch_size=2, num_workers=2, persistent_workers=True)
    it = iter(loader)
    next(it)
    assert [b["i"].tolist() for b in loader] == [[2 * k, 2 * k + 1] for k in range(6)]
    assert iter(loader) is it


def test_worker_init_fn_and_worker_info():
    seen = []

    def init(worker_id):
        info = nd.get_worker_info()
        seen.append((worker_id, info.id, info.num_workers, info.worker_method))

    loader = nd.DataLoader(range(8), batch_size=2, num_workers=3, worker_init_fn=init)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert sorted(seen) == [(i, i, 3, "thread") for i in range(3)]
    assert nd.get_worker_info() is None


@pytest.mark.parametrize("bs,drop", [(2, False), (3, True), (None, False)])
def test_iterable_dataset_with_workers_matches_torch(bs, drop):
    ours = nd.DataLoader(Stream(0, 11), batch_size=bs, drop_last=drop, num_workers=2)
    theirs = td.DataLoader(TStream(0, 11), batch_size=bs, drop_last=drop, num_workers=2)
    assert len(ours) == len(theirs)
    assert_same(list(ours), list(theirs))
    assert_same(list(nd.DataLoader(Stream(0, 5), batch_size=bs, drop_last=drop)),
                list(td.DataLoader(TStream(0, 5), batch_size=bs, drop_last=drop)))


def test_iterable_dataset_options_errors():
    for mod, ds in ((nd, Stream(0, 3)), (td, TStream(0, 3))):
        with pytest.raises(ValueError, match="expected unspecified shuffle option"):
            mod.DataLoader(ds, shuffle=True)
        with pytest.raises(ValueError, match="expected unspecified sampler option"):
            mod.DataLoader(ds, sampler=[0, 1])
        with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
            mod.DataLoader(ds, batch_sampler=[[0, 1]])


class Faulty(nd.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            raise ValueError("bad sample 3")
        return i


@pytest.mark.parametrize("workers", [0, 2])
def test_dataset_errors_reach_the_caller(workers):
    it = iter(nd.DataLoader(Faulty(), batch_size=2, num_workers=workers))
    assert next(it).tolist() == [0, 1]
    match = "bad sample 3" if workers == 0 else \
        "Caught ValueError in DataLoader worker thread 1(.|\n)*bad sample 3"
    with pytest.raises(ValueError, match=match):
        next(it)


def test_worker_init_errors_and_timeout():
    def init(worker_id):
        raise KeyError("no init")

    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker thread 0"):
        list(nd.DataLoader(range(4), num_workers=1, worker_init_fn=init))

    class Slow(nd.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(1.0)
            return i

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(nd.DataLoader(Slow(), num_workers=1, timeout=0.2))


def test_loader_option_errors_as_torch():
    ours_ds, theirs_ds = _xy(4)
    cases = [
        (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
        (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
        (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be"),
        (dict(persistent_workers=True), ValueError, "persistent_workers option needs"),
        (dict(sampler=[0, 1], shuffle=True), ValueError, "sampler option is mutually "
                                                         "exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is "
                                                              "mutually exclusive"),
        (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables"),
        (dict(multiprocessing_context="spawn"), ValueError, "multiprocessing_context can only"),
        (dict(num_workers=1, multiprocessing_context="nope"), ValueError,
         "should specify a valid start method"),
    ]
    for kw, exc, match in cases:
        for mod, ds in ((nd, ours_ds), (td, theirs_ds)):
            with pytest.raises(exc, match=match):
                mod.DataLoader(ds, **kw)
    loader = nd.DataLoader(ours_ds, batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        loader.batch_size = 3


def test_process_workers_spawn():
    """Processes (spawn: the start method that works everywhere) give the thread batches."""
    ds, _ = _xy(9)
    want = [(x.tolist(), y.tolist()) for x, y in nd.DataLoader(ds, batch_size=2)]
    loader = nd.DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn",
                           persistent_workers=True)
    for _ in range(2):
        assert [(x.tolist(), y.tolist()) for x, y in loader] == want
    # (netlab's own dataset, so that the child needs not import this module and torch)
    with pytest.raises(IndexError, match="Caught IndexError in DataLoader worker process 1"):
        list(nd.DataLoader(ds, batch_size=2, sampler=[0, 1, 2, 99], num_workers=2,
                           multiprocessing_context="spawn"))
