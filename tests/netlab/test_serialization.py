"""netlab.save / netlab.load: PyTorch's zip format both ways with torch, safetensors, npz,
the restricted unpickler (malicious files), atomic writes and damaged files.
"""

import io
import os
import pickle
import pickletools
import struct
import sys
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import netlab
import netlab.nn as nn
from netlab import _pt_write
from tests.netlab.parity import assert_close, torch

PROTOCOL_2_OPCODES = {
    "PROTO", "GLOBAL", "NEWOBJ", "REDUCE", "BUILD", "APPEND", "APPENDS", "SETITEM", "SETITEMS",
    "MARK", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "NONE", "NEWFALSE", "NEWTRUE", "EMPTY_TUPLE",
    "EMPTY_LIST", "EMPTY_DICT", "EMPTY_SET", "BININT", "BININT1", "BININT2", "LONG1", "BINFLOAT",
    "BINUNICODE", "SHORT_BINSTRING", "BINGET", "LONG_BINGET", "BINPUT", "LONG_BINPUT",
    "BINPERSID", "STOP",
}


def make_model(lib):
    """The same small model in netlab or torch: Linear layers, a nested Sequential, a 0-d int64
    buffer and a float16 buffer (so the state_dict covers several dtypes).
    """

    class Model(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(4, 3)
            self.body = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2))
            self.register_buffer("steps", lib.tensor(7))
            self.register_buffer("scale16", lib.ones(2, dtype=lib.float16))

        def forward(self, x):
            return self.body(self.fc(x))

    return Model()


def to_netlab(sd):
    out = OrderedDict((k, netlab.from_numpy(v.detach().numpy().copy())) for k, v in sd.items())
    out._metadata = sd._metadata
    return out


def numpy_of(t):
    return t.detach().numpy() if isinstance(t, (netlab.Tensor, torch.Tensor)) else np.asarray(t)


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


# netlab -> torch ------------------------------------------------------------------------
def test_state_dict_to_torch_loads_strict_and_matches(tmp_path):
    ours, theirs = make_model(netlab), make_model(torch)
    sd = ours.state_dict()
    path = tmp_path / "model.pt"
    netlab.save(sd, path)
    loaded = torch.load(path)  # weights_only=True is torch's default
    assert list(loaded) == list(sd)
    assert dict(loaded._metadata) == dict(sd._metadata)
    assert loaded["steps"].shape == () and loaded["steps"].dtype == torch.int64
    assert loaded["scale16"].dtype == torch.float16
    print(theirs.load_state_dict(loaded, strict=True))
    for k in sd:
        np.testing.assert_array_equal(numpy_of(loaded[k]), numpy_of(sd[k]))
    assert_close(ours(netlab.from_numpy(X)), theirs(torch.from_numpy(X)))


def test_archive_layout_matches_torch(tmp_path):
    path = tmp_path / "some.name.pt"
    netlab.save({"w": netlab.ones(3, 3), "b": netlab.zeros(3)}, path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        assert names == ["some.name/data.pkl", "some.name/.format_version",
                         "some.name/.storage_alignment", "some.name/byteorder",
                         "some.name/data/0", "some.name/data/1", "some.name/version",
                         "some.name/.data/serialization_id"]
        assert zf.read("some.name/version") == b"3\n"
        for info in infos:
            assert info.compress_type == zipfile.ZIP_STORED
            n, m = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + n + m) % 64 == 0, info.filename
        ops = {op.name for op, _, _ in pickletools.genops(zf.read("some.name/data.pkl"))}
    assert ops <= PROTOCOL_2_OPCODES


def test_dtypes_zero_d_empty_and_large_tensors_round_trip_with_torch(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {
        "f32": rng.standard_normal((2, 3)).astype(np.float32),
        "f64": rng.standard_normal(4),
        "f16": rng.standard_normal((3, 1)).astype(np.float16),
        "i64_0d": np.array(3, dtype=np.int64), "i32": np.arange(5, dtype=np.int32),
        "i16": np.arange(-3, 3, dtype=np.int16), "i8": np.arange(-4, 4, dtype=np.int8),
        "u8": np.arange(250, 256, dtype=np.uint8), "bool": np.array([True, False, True]),
        "empty": np.zeros((0, 3), np.float32), "empty_i": np.zeros(0, np.int64),
        "f32_0d": np.array(2.5, np.float32), "big": rng.standard_normal(70000).astype(np.float32),
    }
    sd = {k: netlab.from_numpy(v) for k, v in arrays.items()}
    sd["noncontig"] = netlab.from_numpy(arrays["f32"]).t()
    netlab.save(sd, tmp_path / "a.pt")
    t = torch.load(tmp_path / "a.pt")
    for k, v in sd.items():
        assert tuple(t[k].shape) == tuple(v.shape), k
        assert t[k].numpy().dtype == v.numpy().dtype, k
        np.testing.assert_array_equal(t[k].numpy(), v.numpy())
    torch.save(t, tmp_path / "b.pt")
    back = netlab.load(tmp_path / "b.pt")
    for k, v in sd.items():
        assert isinstance(back[k], netlab.Tensor)
        assert back[k].shape == v.shape and back[k].dtype == v.dtype, k
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())


def test_parameters_and_requires_grad(tmp_path):
    p = nn.Parameter(netlab.ones(2, 2))
    frozen = nn.Parameter(netlab.zeros(2), requires_grad=False)
    leaf = netlab.ones(3, requires_grad=True)
    netlab.save({"p": p, "frozen": frozen, "leaf": leaf}, tmp_path / "p.pt")
    t = torch.load(tmp_path / "p.pt")
    assert isinstance(t["p"], torch.nn.Parameter) and t["p"].requires_grad
    assert isinstance(t["frozen"], torch.nn.Parameter) and not t["frozen"].requires_grad
    assert not isinstance(t["leaf"], torch.nn.Parameter) and t["leaf"].requires_grad
    torch.save(t, tmp_path / "q.pt")
    for f in ("p.pt", "q.pt"):
        back = netlab.load(tmp_path / f)
        assert isinstance(back["p"], nn.Parameter) and back["p"].requires_grad
        assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad
        assert not isinstance(back["leaf"], nn.Parameter) and back["leaf"].requires_grad


def test_shared_storage_and_tied_tensors_to_torch(tmp_path):
    base = netlab.arange(10.0)
    a, b = base[2:5], base.view(2, 5).t()
    w = netlab.ones(2)
    netlab.save({"base": base, "a": a, "b": b, "w1": w, "w2": w}, tmp_path / "s.pt")
    t = torch.load(tmp_path / "s.pt")
    ptr = t["base"].untyped_storage().data_ptr()
    assert t["a"].untyped_storage().data_ptr() == ptr == t["b"].untyped_storage().data_ptr()
    assert t["a"].storage_offset() == 2 and t["b"].stride() == (1, 5)
    assert t["w1"] is t["w2"]
    np.testing.assert_array_equal(t["b"].numpy(), np.arange(10.0).reshape(2, 5).T)


def test_shared_storage_from_torch_stays_shared(tmp_path):
    base = torch.arange(10.0)
    torch.save({"base": base, "a": base[2:5], "b": base.view(2, 5).t(), "e": base[:1].expand(3)},
               tmp_path / "s.pt")
    sd = netlab.load(tmp_path / "s.pt")
    np.testing.assert_array_equal(sd["b"].numpy(), np.arange(10.0).reshape(2, 5).T)
    np.testing.assert_array_equal(sd["e"].numpy(), [0.0, 0.0, 0.0])
    sd["base"].numpy()[3] = 100.0  # views of one storage share memory, as in torch
    assert sd["a"][1].item() == 100.0 and sd["b"][3, 0].item() == 100.0
    netlab.save(sd, tmp_path / "again.pt")  # and saving them again keeps one storage
    t = torch.load(tmp_path / "again.pt")
    assert len({t[k].untyped_storage().data_ptr() for k in ("base", "a", "b")}) == 1
    assert t["a"].storage_offset() == 2 and t["b"].stride() == (1, 5)
    np.testing.assert_array_equal(t["e"].numpy(), [0.0, 0.0, 0.0])


# torch -> netlab --------------------------------------------------------------------------
def test_torch_state_dict_loads_into_netlab_strict(tmp_path):
    ours, theirs = make_model(netlab), make_model(torch)
    torch.save(theirs.state_dict(), tmp_path / "t.pt")
    sd = netlab.load(tmp_path / "t.pt")
    assert isinstance(sd, OrderedDict) and list(sd) == list(theirs.state_dict())
    assert dict(sd._metadata) == dict(theirs.state_dict()._metadata)
    assert sd["steps"].dtype == netlab.int64 and sd["steps"].shape == ()
    ours.load_state_dict(sd, strict=True)
    assert_close(ours(netlab.from_numpy(X)), theirs(torch.from_numpy(X)))


def test_data_parallel_prefix_both_ways(tmp_path):
    ours, theirs = make_model(netlab), make_model(torch)
    ours.load_state_dict(to_netlab(theirs.state_dict()))
    netlab.save(nn.DataParallel(ours).state_dict(), tmp_path / "dp.pt")
    loaded = torch.load(tmp_path / "dp.pt")
    assert all(k.startswith("module.") for k in loaded)
    fresh = torch.nn.DataParallel(make_model(torch))
    fresh.load_state_dict(loaded, strict=True)
    assert_close(ours(netlab.from_numpy(X)), fresh(torch.from_numpy(X)))

    torch.save(torch.nn.DataParallel(theirs).state_dict(), tmp_path / "tdp.pt")
    sd = netlab.load(tmp_path / "tdp.pt")
    with pytest.raises(RuntimeError, match="Missing key"):
        make_model(netlab).load_state_dict(sd)  # strict stays strict
    wrapped = nn.DataParallel(make_model(netlab))
    wrapped.load_state_dict(sd, strict=True)
    nn.utils.consume_prefix_in_state_dict_if_present(sd, "module.")
    bare = make_model(netlab)
    bare.load_state_dict(sd, strict=True)
    assert_close(bare(netlab.from_numpy(X)), theirs(torch.from_numpy(X)))


def test_optimizer_state_round_trips_and_resumes(tmp_path):
    theirs = make_model(torch)
    ours = make_model(netlab)
    ours.load_state_dict(to_netlab(theirs.state_dict()))
    t_opt = torch.optim.Adam(theirs.parameters(), lr=0.01, amsgrad=True)
    n_opt = netlab.optim.Adam(ours.parameters(), lr=0.01, amsgrad=True)
    xt, xn = torch.from_numpy(X), netlab.from_numpy(X)
    for _ in range(2):
        t_opt.zero_grad()
        theirs(xt).pow(2).sum().backward()
        t_opt.step()
    torch.save({"model": theirs.state_dict(), "optimizer": t_opt.state_dict(), "epoch": 3,
                "loss": 0.25, "note": "ckpt", "flags": [True, None], "shape": (2, 3)},
               tmp_path / "ckpt.pt")
    ck = netlab.load(tmp_path / "ckpt.pt")
    assert ck["epoch"] == 3 and ck["loss"] == 0.25 and ck["note"] == "ckpt"
    assert ck["flags"] == [True, None] and ck["shape"] == (2, 3)
    ours.load_state_dict(ck["model"])
    n_opt.load_state_dict(ck["optimizer"])
    for _ in range(2):  # resuming gives torch's trajectory
        t_opt.zero_grad()
        n_opt.zero_grad()
        theirs(xt).pow(2).sum().backward()
        ours(xn).pow(2).sum().backward()
        t_opt.step()
        n_opt.step()
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert_close(a, b, rtol=1e-5, atol=1e-6, msg=k)

    # and back: netlab's checkpoint is read by torch and resumes torch's optimizer
    netlab.save({"model": ours.state_dict(), "optimizer": n_opt.state_dict(), "epoch": 5},
                tmp_path / "ours.pt")
    back = torch.load(tmp_path / "ours.pt")
    assert back["epoch"] == 5
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["optimizer"]["state"][0]["step"].dtype == torch.float32
    t2 = make_model(torch)
    t2.load_state_dict(back["model"], strict=True)
    o2 = torch.optim.Adam(t2.parameters(), lr=0.01, amsgrad=True)
    o2.load_state_dict(back["optimizer"])
    for opt, model in ((o2, t2), (t_opt, theirs)):
        opt.zero_grad()
        model(xt).pow(2).sum().backward()
        opt.step()
    for a, b in zip(t2.state_dict().values(), theirs.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_file_objects_and_torch_only_types(tmp_path):
    buf = io.BytesIO()
    obj = {"size": netlab.Size([2, 3]), "dtype": netlab.float16, "dev": netlab.device("cpu"),
           "bytes": b"\x00\xff", "set": {1, 2}, "c": 1 + 2j, "big": 2 ** 70, "neg": -5,
           "mid": 70000, "nested": OrderedDict(a=[1.5, (2, "x")]), "np": np.float32(0.5)}
    netlab.save(obj, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        assert zf.namelist()[0] == "archive/data.pkl"
    buf.seek(0)
    t = torch.load(buf)
    assert t["size"] == torch.Size([2, 3]) and t["dtype"] is torch.float16
    assert t["dev"] == torch.device("cpu") and t["bytes"] == b"\x00\xff"
    assert t["set"] == {1, 2} and t["c"] == 1 + 2j and t["big"] == 2 ** 70 and t["np"] == 0.5
    assert t["nested"] == OrderedDict(a=[1.5, (2, "x")]) and t["mid"] == 70000
    buf.seek(0)
    back = netlab.load(buf)
    assert back["size"] == netlab.Size([2, 3]) and back["dtype"] is netlab.float16
    assert {k: back[k] for k in ("bytes", "set", "c", "big", "neg", "nested")} == {
        k: obj[k] for k in ("bytes", "set", "c", "big", "neg", "nested")}


def test_bfloat16_is_widened_and_complex_refused(tmp_path):
    v = torch.tensor([1.5, -2.0, 3.140625], dtype=torch.bfloat16)
    torch.save({"v": v}, tmp_path / "bf.pt")
    with pytest.warns(UserWarning, match="bfloat16"):
        sd = netlab.load(tmp_path / "bf.pt")
    assert sd["v"].dtype == netlab.float32
    np.testing.assert_array_equal(sd["v"].numpy(), v.float().numpy())
    torch.save({"z": torch.ones(2, dtype=torch.complex64)}, tmp_path / "c.pt")
    with pytest.raises(pickle.UnpicklingError, match="ComplexFloatStorage"):
        netlab.load(tmp_path / "c.pt")


def test_map_location(tmp_path):
    netlab.save({"w": netlab.ones(2)}, tmp_path / "m.pt")
    assert netlab.load(tmp_path / "m.pt", map_location="cpu")["w"].device == netlab.device("cpu")
    assert netlab.load(tmp_path / "m.pt", map_location={"cpu": "cpu"})["w"].is_cpu
    keep = netlab.load(tmp_path / "m.pt", map_location=lambda storage, loc: storage)
    assert keep["w"].is_cpu and keep["w"].tolist() == [1.0, 1.0]
    if netlab.cuda.is_available():
        w = netlab.load(tmp_path / "m.pt", map_location="cuda")["w"]
        assert w.is_cuda and w.cpu().tolist() == [1.0, 1.0]
    else:
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            netlab.load(tmp_path / "m.pt", map_location="cuda")


# malicious files -------------------------------------------------------------------------
def _archive_with_pickle(path, pkl: bytes):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil/data.pkl", pkl)
        zf.writestr("evil/version", b"3\n")


class _OpenFile:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


class _System:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    # the payload is real: the full unpickler (weights_only=False) runs it and creates the file
    _archive_with_pickle(evil, pickle.dumps({"w": _OpenFile(str(marker))}, protocol=2))
    netlab.load(evil, weights_only=False)["w"].close()
    assert marker.exists()
    marker.unlink()
    for weights_only in (True, None):  # None is torch's "default", which is weights-only
        with pytest.raises(pickle.UnpicklingError,
                           match=r"(io|__builtin__|builtins)\.open.*Nothing"):
            netlab.load(evil, weights_only=weights_only)
    assert not marker.exists()

    for proto in (2, 4):
        _archive_with_pickle(evil, pickle.dumps([_System(str(marker))], protocol=proto))
        with pytest.raises(pickle.UnpicklingError, match=r"(posix|os|nt)\.system"):
            netlab.load(evil)
        assert not marker.exists()


@pytest.mark.parametrize("pkl, match", [
    (b"\x80\x02ctorch\nfloat32\n)R.", "call of"),  # REDUCE on a non-callable allowed global
    (b"\x80\x02]N\x85b.", "BUILD on a list"),
    (b"\x80\x02}Na.", "APPEND on a dict"),
    (b"(S'ls'\nios\nsystem\n.", "opcode"),  # protocol-0 INST imports: never accepted
    (b"\x80\x02(X\x03\x00\x00\x00abctQ.", "persistent id"),
], ids=["reduce-non-callable", "build-list", "append-dict", "inst", "persid"])
def test_unsafe_opcodes_are_refused(tmp_path, pkl, match):
    _archive_with_pickle(tmp_path / "x.pt", pkl)
    with pytest.raises(pickle.UnpicklingError, match=match):
        netlab.load(tmp_path / "x.pt")


# atomic writes -----------------------------------------------------------------------------
def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_failed_save_keeps_the_old_file_and_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    netlab.save({"w": netlab.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="function"):
        netlab.save({"w": netlab.zeros(2), "f": lambda: 0}, path)
    assert path.read_bytes() == before and _leftovers(tmp_path) == []

    real, calls = _pt_write._write_record, []

    def failing(zf, name, data):
        calls.append(name)
        if len(calls) == 6:  # after data.pkl, the headers and the first storage
            raise OSError("disk full (injected)")
        real(zf, name, data)

    monkeypatch.setattr(_pt_write, "_write_record", failing)
    with pytest.raises(OSError, match="injected"):
        netlab.save({"w": netlab.zeros(2), "v": netlab.zeros(3)}, path)
    assert path.read_bytes() == before and _leftovers(tmp_path) == []
    calls.clear()
    with pytest.raises(OSError, match="injected"):
        netlab.save({"w": netlab.zeros(2), "v": netlab.zeros(3)}, tmp_path / "new.pt")
    assert not (tmp_path / "new.pt").exists() and _leftovers(tmp_path) == []
    monkeypatch.undo()
    assert netlab.load(path)["w"].tolist() == [1.0, 1.0]


def test_failed_npz_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    netlab.save({"a": netlab.ones(2)}, path)
    before = path.read_bytes()
    real = np.lib.format.write_array

    def failing(fh, arr, **kw):
        if arr.shape == (3,):
            raise RuntimeError("crash (injected)")
        return real(fh, arr, **kw)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(RuntimeError, match="injected"):
        netlab.save({"a": netlab.zeros(2), "b": netlab.zeros(3)}, path)
    assert path.read_bytes() == before and _leftovers(tmp_path) == []


# damaged files -----------------------------------------------------------------------------
def test_bad_files_name_the_file_and_the_problem(tmp_path):
    good = tmp_path / "good.pt"
    netlab.save({"w": netlab.arange(100.0)}, good)
    raw = good.read_bytes()

    (tmp_path / "trunc.pt").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(RuntimeError, match=r"trunc\.pt.*(truncated|zip)"):
        netlab.load(tmp_path / "trunc.pt")
    (tmp_path / "text.pt").write_text("hello, not a zip")
    with pytest.raises(RuntimeError, match=r"text\.pt.*not a zip"):
        netlab.load(tmp_path / "text.pt")

    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for drop, what in (("good/version", "missing record 'good/version'"),
                       ("good/data.pkl", "missing record 'good/data.pkl'"),
                       ("good/data/0", "missing record 'good/data/0'")):
        path = tmp_path / "missing.pt"
        with zipfile.ZipFile(path, "w") as zf:
            for n, data in members.items():
                if n != drop:
                    zf.writestr(n, data)
        with pytest.raises(RuntimeError, match=r"missing\.pt.*" + what):
            netlab.load(path)

    i = raw.rfind(np.arange(100.0, dtype=np.float32).tobytes()[-8:])  # a stored payload byte
    (tmp_path / "crc.pt").write_bytes(raw[:i] + b"\x01" + raw[i + 1:])
    with pytest.raises(RuntimeError, match=r"crc\.pt.*CRC"):
        netlab.load(tmp_path / "crc.pt")

    cut = OrderedDict((n, d[:-3] if n.endswith("data.pkl") else d) for n, d in members.items())
    with zipfile.ZipFile(tmp_path / "pkl.pt", "w") as zf:
        for n, data in cut.items():
            zf.writestr(n, data)
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match="pkl|truncated"):
        netlab.load(tmp_path / "pkl.pt")


# safetensors and npz ---------------------------------------------------------------------
def test_safetensors_both_ways(tmp_path):
    st_torch = pytest.importorskip("safetensors.torch")
    sd = make_model(netlab).state_dict()
    sd = OrderedDict((("module." + k), v) for k, v in sd.items())
    sd["empty"] = netlab.zeros(0, 2)
    netlab.save(sd, tmp_path / "w.safetensors")
    t = st_torch.load_file(str(tmp_path / "w.safetensors"))
    assert set(t) == set(sd)
    assert t["module.steps"].dtype == torch.int64 and t["module.steps"].shape == ()
    assert t["module.scale16"].dtype == torch.float16
    for k in sd:
        np.testing.assert_array_equal(t[k].numpy(), sd[k].numpy())

    ref = make_model(torch).state_dict()
    ref["bf"] = torch.tensor([1.5, 2.25], dtype=torch.bfloat16)
    st_torch.save_file(dict(ref), str(tmp_path / "t.safetensors"))
    back = netlab.load(tmp_path / "t.safetensors")
    assert set(back) == set(ref)
    for k, v in ref.items():
        assert isinstance(back[k], netlab.Tensor)
        np.testing.assert_array_equal(back[k].numpy(), v.float().numpy() if k == "bf"
                                      else v.numpy())
    del back["bf"]
    make_model(netlab).load_state_dict(back, strict=True)


def test_safetensors_missing_package_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        netlab.save({"w": netlab.ones(1)}, tmp_path / "w.safetensors")
    assert not (tmp_path / "w.safetensors").exists()


def test_npz_both_ways_and_format_override(tmp_path):
    sd = make_model(netlab).state_dict()
    sd["file"] = netlab.ones(1)  # a key that numpy.savez's keyword API would swallow
    netlab.save(sd, tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz") as npz:
        assert npz.files == list(sd)
        for k in sd:
            assert npz[k].dtype == sd[k].numpy().dtype and npz[k].shape == tuple(sd[k].shape)
            np.testing.assert_array_equal(npz[k], sd[k].numpy())
    arrays = {"a": np.arange(6.0).reshape(2, 3), "n": np.array(4), "b": np.array([True])}
    np.savez(tmp_path / "np.npz", **arrays)
    back = netlab.load(tmp_path / "np.npz")
    assert list(back) == ["a", "n", "b"]
    for k, v in arrays.items():
        assert back[k].shape == v.shape
        np.testing.assert_array_equal(back[k].numpy(), v)

    netlab.save(sd, tmp_path / "weights.bin", format="npz")
    with zipfile.ZipFile(tmp_path / "weights.bin") as zf:
        assert zf.namelist() == [k + ".npy" for k in sd]
    sniffed = netlab.load(tmp_path / "weights.bin")  # recognised without format=
    assert list(sniffed) == list(sd)
    assert list(netlab.load(tmp_path / "weights.bin", format="npz")) == list(sd)
    with pytest.raises(TypeError, match="'epoch' is a int"):
        netlab.save({"w": netlab.ones(1), "epoch": 3}, tmp_path / "c.npz")
    with pytest.raises(ValueError, match="unknown format"):
        netlab.save({}, tmp_path / "x", format="h5")
