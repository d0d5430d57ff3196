"""netlab's Trainer and the exported PyTorch code, trained side by side, agree step by step.

The same design (its PyTorch code from ``pytorch_code``, exec'd), the same initial weights
(netlab's, copied into torch), the same data and the same batches (the Trainer's rule: epoch
``e`` visits ``np.random.default_rng([seed, e]).permutation(n)``, the last partial batch kept),
the same loss and the same torch.optim optimizer: the per-step losses match to float32
accuracy, and so do the final weights and each epoch's validation loss.
"""

import numpy as np
import pytest

import netlab
from netlab.datasets import load
from netlab.design.compile import compile as compile_design
from netlab.design.export import pytorch_code
from netlab.design.io import load_design
from netlab.training import TrainConfig, Trainer
from tests.netlab.parity import torch
from tests.netlab.training.cli_helpers import EXAMPLES, design_input_shape

TORCH_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
                    "adagrad": "Adagrad"}
TORCH_LOSSES = {"cross_entropy": "CrossEntropyLoss", "mse": "MSELoss"}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # hundreds of tiny steps: torch's thread pool only spins against the other processes on a
    # shared 2-core machine (20x slower there); one thread computes the same numbers
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def torch_model(design):
    ns = {}
    exec(compile(pytorch_code(design), "<exported>", "exec"), ns)
    return ns["build_model"]()


def torch_run(design, init: dict, data, config: TrainConfig, loss_name: str):
    """Train the exported PyTorch model as the Trainer does; returns (per-step losses,
    per-epoch validation losses, final state_dict as numpy)."""
    torch.manual_seed(0)
    model = torch_model(design)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in init.items()}, strict=True)
    opt = getattr(torch.optim, TORCH_OPTIMIZERS[config.optimizer])(
        model.parameters(), lr=config.lr, **config.optimizer_options)
    scheduler = None
    if config.scheduler == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(opt, **config.scheduler_options)
    loss_fn = getattr(torch.nn, TORCH_LOSSES[loss_name])(**config.loss_options)
    x, y = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
    n = len(x)
    losses, val_losses = [], []
    for epoch in range(config.epochs):
        model.train()
        order = (np.random.default_rng([config.seed, epoch]).permutation(n) if config.shuffle
                 else np.arange(n))
        for start in range(0, n, config.batch_size):
            idx = torch.from_numpy(order[start:start + config.batch_size])
            out = model(x[idx])
            target = y[idx].reshape(out.shape) if loss_name == "mse" else y[idx]
            loss = loss_fn(out, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        if scheduler is not None:
            scheduler.step()
        if data.x_val is not None:
            model.eval()
            with torch.no_grad():
                val = loss_fn(model(torch.from_numpy(data.x_val)),
                              torch.from_numpy(data.y_val))
            val_losses.append(val.item())
    state = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return np.array(losses), np.array(val_losses), state


def netlab_run(design, data, config: TrainConfig):
    netlab.manual_seed(config.seed)
    model = compile_design(design)
    init = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    events = []
    trainer = Trainer(model, data, config, callbacks=[lambda e, p: events.append((e, p))])
    report = trainer.run()
    assert report["reason"] == "completed"
    losses = np.array([p["loss"] for e, p in events if e == "batch"])
    val = np.array([p["val_loss"] for e, p in events if e == "epoch" and p["val_loss"] is not
                    None])
    state = {k: v.numpy().copy() for k, v in trainer.model.state_dict().items()}
    return init, losses, val, state


def _digits(design, n=None):
    data = load("digits", val_split=0.2, seed=0).as_input(design_input_shape(design))
    if n is not None:  # fewer samples: a shorter test, the same code paths
        data.x_train, data.y_train = data.x_train[:n], data.y_train[:n]
    return data


CASES = [  # (design, optimizer, options, lr, epochs, batch size, scheduler)
    ("digits_mlp", "sgd", {"momentum": 0.9, "weight_decay": 1e-4}, 0.05, 3, 32, None),
    ("digits_mlp", "adam", {}, 2e-3, 3, 32, None),
    ("digits_mlp", "sgd", {"momentum": 0.9, "nesterov": True}, 0.05, 3, 50,
     ("step", {"step_size": 1, "gamma": 0.5})),
    ("digits_mlp", "rmsprop", {"alpha": 0.9}, 1e-3, 2, 64, None),
    ("digits_mlp", "adamw", {"weight_decay": 0.5}, 2e-3, 2, 64, None),
    ("digits_cnn", "sgd", {"momentum": 0.9}, 0.05, 2, 32, None),
    ("digits_cnn", "adam", {}, 2e-3, 2, 32, None),
]


@pytest.mark.parametrize("name,optimizer,options,lr,epochs,batch_size,scheduler", CASES,
                         ids=[f"{c[0]}-{c[1]}-{'sched' if c[6] else 'const'}-{c[5]}"
                              for c in CASES])
def test_trainer_matches_exported_pytorch_code(name, optimizer, options, lr, epochs,
                                               batch_size, scheduler):
    design = load_design(EXAMPLES / f"{name}.json")
    data = _digits(design, n=700)  # 700 is no multiple of the batch sizes: a partial batch
    sched, sched_options = scheduler or (None, {})
    config = TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, optimizer=optimizer,
                         optimizer_options=dict(options), scheduler=sched,
                         scheduler_options=dict(sched_options), seed=3)
    init, losses, val, state = netlab_run(design, data, config)
    t_losses, t_val, t_state = torch_run(design, init, data, config, "cross_entropy")
    assert len(losses) == epochs * -(-700 // batch_size) == len(t_losses)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(val, t_val, rtol=1e-4, atol=1e-6)
    assert list(state) == list(t_state)
    for k in state:  # Adam's steps on near-zero gradients amplify rounding: compare norms
        diff = np.linalg.norm(state[k] - t_state[k]) / np.linalg.norm(t_state[k])
        assert diff < 1e-4, (k, diff)
    assert losses[-epochs:].mean() < losses[:epochs].mean()  # it did learn something


def test_polynomial_fit_matches_pytorch_full_batch_sum_reduction():
    """The seeds' polynomial fit: full batch, MSELoss(reduction="sum"), lr 1e-6."""
    design = load_design(EXAMPLES / "polynomial_fit.json")
    data = load("sin", degree=3, val_split=0, shuffle=False)
    config = TrainConfig(epochs=200, batch_size=2000, lr=1e-6, optimizer="sgd",
                         loss="mse", loss_options={"reduction": "sum"}, shuffle=False, seed=0)
    init, losses, _, state = netlab_run(design, data, config)
    t_losses, _, t_state = torch_run(design, init, data, config, "mse")
    np.testing.assert_allclose(losses, t_losses, rtol=1e-4)
    for k in state:
        np.testing.assert_allclose(state[k], t_state[k], rtol=1e-4, atol=1e-6)
