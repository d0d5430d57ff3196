"""The Export and Import menus end to end: files PyTorch itself loads, weights it wrote."""

import numpy as np
import pytest
from PySide6.QtGui import QImage

from netlab.design.infer import infer
from tests.ui.studio.conftest import node_id
from ui.studio import export_dialog
from ui.studio.export_dialog import ExportDialog
from ui.studio.import_dialog import ImportDialog
from ui.studio.weights import MATCHED


def export_via_menu(window, monkeypatch, path, prefix_index=0):
    """Export > State Dict through the dialog, as a user fills it in."""

    def fill_and_accept(dialog):
        dialog.path_edit.setText(str(path))
        dialog._on_path_edited(str(path))
        dialog.prefix_combo.setCurrentIndex(prefix_index)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ExportDialog, "exec", fill_and_accept)
    window.action["export_state"].trigger()


def torch_model(window, monkeypatch, tmp_path):
    """The design's exported PyTorch code (Export > PyTorch Code), imported and built."""
    code = tmp_path / "net_code.py"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: code)
    window.action["export_code"].trigger()
    namespace = {}
    exec(compile(code.read_text(), str(code), "exec"), namespace)
    return namespace["build_model"]()


def test_exported_state_dicts_load_into_torch_strictly(make_window, monkeypatch, tmp_path):
    from tests.netlab.parity import torch

    w = make_window(template="residual_block")
    model = torch_model(w, monkeypatch, tmp_path)
    pt = tmp_path / "block.pt"
    export_via_menu(w, monkeypatch, pt)
    sd = torch.load(pt, weights_only=True)
    assert list(sd) == infer(w.document.design).state_dict_keys()
    model.load_state_dict(sd, strict=True)
    assert f"Exported the state_dict to {pt}" == w.statusBar().currentMessage()
    # with module.: what a DataParallel wrapper of the same model loads
    wrapped = tmp_path / "wrapped.pt"
    export_via_menu(w, monkeypatch, wrapped, prefix_index=1)
    sd = torch.load(wrapped, weights_only=True)
    assert all(k.startswith("module.") for k in sd)
    torch.nn.DataParallel(model).load_state_dict(sd, strict=True)
    # safetensors and npz hold the same tensors
    for suffix in (".safetensors", ".npz"):
        path = tmp_path / f"block{suffix}"
        export_via_menu(w, monkeypatch, path)
        if suffix == ".npz":
            with np.load(path) as f:
                arrays = {k: f[k] for k in f.files}
        else:
            from safetensors.numpy import load_file

            arrays = load_file(str(path))
        model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in arrays.items()},
                              strict=True)


def test_imported_torch_weights_go_into_the_export(make_window, monkeypatch, tmp_path):
    from tests.netlab.parity import torch

    w = make_window(template="lenet")
    model = torch_model(w, monkeypatch, tmp_path)
    torch.manual_seed(0)
    wrapped = torch.nn.DataParallel(model)  # keys with module.: the dialog strips them
    trained = tmp_path / "trained.pt"
    torch.save(wrapped.state_dict(), trained)
    seen = {}

    def strip_and_load(dialog):
        seen["before"] = dialog.match.count(MATCHED)
        dialog.strip_button.click()
        seen["nodes"] = dict(dialog.match.nodes)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ImportDialog, "exec", strip_and_load)
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: trained)
    w.action["import_state"].trigger()
    assert seen["before"] == 0
    assert seen["nodes"][node_id(w, "conv1")] == MATCHED
    assert set(seen["nodes"].values()) == {MATCHED}
    assert len(w.weights) == 10 and "Loaded 10 tensor(s)" in w.statusBar().currentMessage()
    # a rename and a group later, the export still carries torch's tensors
    w.document.rename(node_id(w, "fc3"), "head")
    w.document.group([node_id(w, "conv1"), node_id(w, "relu1")], name="features")
    out = tmp_path / "out.pt"
    export_via_menu(w, monkeypatch, out)
    sd = torch.load(out, weights_only=True)
    want = model.state_dict()
    np.testing.assert_array_equal(sd["head.weight"].numpy(), want["fc3.weight"].numpy())
    np.testing.assert_array_equal(sd["features.0.weight"].numpy(),
                                  want["conv1.weight"].numpy())
    # New forgets them
    w.action["new"].trigger()
    assert len(w.weights) == 0


def test_a_cancelled_import_keeps_nothing(make_window, monkeypatch, tmp_path):
    import netlab

    w = make_window(template="digits_mlp")
    path = tmp_path / "w.npz"
    netlab.save({"fc1.bias": netlab.ones(128)}, str(path))
    monkeypatch.setattr(ImportDialog, "exec", lambda dialog: 0)
    monkeypatch.setattr(export_dialog, "ask_open_path", lambda *a: path)
    w.action["import_state"].trigger()
    assert len(w.weights) == 0
    assert all(w.canvas.node_item(n).badge is None for n in w.document.design.nodes)
    assert w.import_state_dict(path, dialog_hook=lambda d: 1) == 1
    model = w.weights.model(w.document.design)
    np.testing.assert_array_equal(model.state_dict()["fc1.bias"].numpy(), np.ones(128))
    # each node with state is marked on the canvas as in the dialog: fc1 lacks its weight
    assert w.canvas.node_item(node_id(w, "fc1")).badge[0] == "missing"
    assert w.canvas.node_item(node_id(w, "relu")).badge is None  # no state of its own


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_graph_image_and_summary(make_window, monkeypatch, tmp_path, suffix):
    w = make_window(template="lenet")
    image = tmp_path / f"graph{suffix}"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: image)
    w.action["export_image"].trigger()
    if suffix == ".png":
        picture = QImage(str(image))
        assert picture.width() > 100 and picture.height() > 400  # the tall LeNet column
    else:
        assert "<svg" in image.read_text()
    text = tmp_path / "summary.txt"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: text)
    w.action["export_summary"].trigger()
    summary = text.read_text()
    assert "conv1 (Conv2d)" in summary and "Total params: 62,006" in summary


def test_a_design_with_errors_is_not_exported(make_window, monkeypatch, tmp_path, boxes):
    w = make_window(template="lenet")
    w.document.set_param(node_id(w, "fc1"), "in_features", 7)
    out = tmp_path / "never.pt"
    export_via_menu(w, monkeypatch, out)
    assert not out.exists()
    (kind, title, text), = boxes
    assert (kind, title) == ("warning", "Export state_dict") and "fc1" in text
    code = tmp_path / "never.py"
    monkeypatch.setattr(export_dialog, "ask_save_path", lambda *a: code)
    w.action["export_code"].trigger()
    assert not code.exists() and "fix the design's errors first" in boxes[-1][2]


def test_export_suggests_a_file_beside_the_design(make_window, monkeypatch, tmp_path):
    w = make_window(template="digits_mlp")
    asked = []
    monkeypatch.setattr(export_dialog, "ask_save_path",
                        lambda parent, title, filt, suggested: asked.append(suggested))
    w.action["export_code"].trigger()
    w.document.save(tmp_path / "mlp.json")
    w.action["export_summary"].trigger()
    seen = []
    monkeypatch.setattr(ExportDialog, "exec", lambda d: seen.append(d.path_edit.text()) or 0)
    w.action["export_state"].trigger()
    assert asked[0].endswith("model_net.py")
    assert asked[1] == str(tmp_path / "mlp_summary.txt")
    assert seen == [str(tmp_path / "mlp.pt")]
