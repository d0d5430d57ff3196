"""Pause, resume, stop and single steps from another thread, honoured between batches."""

from __future__ import annotations

import threading
import time

import pytest

from netlab.training import TrainConfig, Trainer
from tests.netlab.training._trainer_data import blobs, mlp

TIMEOUT = 10.0


def wait_until(predicate, what):
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


class Recorder:
    """Collects events; can hold the training thread inside one batch callback."""

    def __init__(self, hold_at_step=None):
        self.events = []
        self.lock = threading.Lock()
        self.hold_at_step = hold_at_step
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, event, payload):
        with self.lock:
            self.events.append((event, payload))
        if event == "batch" and payload["step"] == self.hold_at_step:
            self.holding.set()
            assert self.release.wait(TIMEOUT)

    def names(self):
        with self.lock:
            return [e for e, _ in self.events]

    def count(self, name):
        return self.names().count(name)


def start(trainer):
    result = {}
    thread = threading.Thread(target=lambda: result.update(report=trainer.run()), daemon=True)
    thread.start()
    return thread, result


def test_pause_resume_and_stop_from_another_thread_between_batches():
    rec = Recorder(hold_at_step=3)
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=50, batch_size=8), callbacks=[rec])
    thread, result = start(trainer)
    assert rec.holding.wait(TIMEOUT)
    # the training thread is inside batch 3: the pause asked now takes effect before batch 4
    trainer.pause()
    rec.release.set()
    wait_until(lambda: trainer.state == "paused", "the pause")
    time.sleep(0.05)
    assert rec.count("batch") == 3 and rec.names()[-1] == "paused"
    assert rec.events[-1][1] == {"step": 3}
    trainer.resume()
    wait_until(lambda: rec.count("batch") >= 6, "batches after resuming")
    assert "resumed" in rec.names() and trainer.state == "running"
    trainer.stop()
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    report = result["report"]
    assert report["reason"] == "stopped" and trainer.state == "stopped"
    assert report["steps"] == rec.count("batch") < 50 * 15
    assert rec.names()[-1] == "finished"


def test_step_runs_exactly_one_batch_while_paused_then_stop():
    rec = Recorder()
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=50, batch_size=8), callbacks=[rec])
    trainer.pause()  # before run: the run starts paused, before its first batch
    thread, result = start(trainer)
    wait_until(lambda: trainer.state == "paused", "the initial pause")
    assert rec.names() == ["start", "paused"]
    for n in (1, 2, 3):
        trainer.step()
        wait_until(lambda n=n: rec.count("batch") == n, f"step {n}")
        time.sleep(0.03)  # nothing more runs while paused
        assert rec.count("batch") == n and trainer.state == "paused"
    assert [p["step"] for e, p in rec.events if e == "batch"] == [1, 2, 3]
    trainer.stop()  # a paused run stops without another batch
    thread.join(TIMEOUT)
    assert result["report"]["reason"] == "stopped" and result["report"]["steps"] == 3
    assert "resumed" not in rec.names()


def test_step_while_running_pauses_after_one_more_batch():
    rec = Recorder(hold_at_step=2)
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=50, batch_size=8), callbacks=[rec])
    thread, _ = start(trainer)
    assert rec.holding.wait(TIMEOUT)
    trainer.step()
    rec.release.set()
    wait_until(lambda: trainer.state == "paused", "the pause")
    time.sleep(0.03)
    assert rec.count("batch") == 3
    trainer.stop()
    thread.join(TIMEOUT)
    assert trainer.state == "stopped"


def test_stop_before_run_trains_nothing():
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=2))
    trainer.stop()
    report = trainer.run()
    assert report["reason"] == "stopped" and report["steps"] == 0


def test_a_callback_may_use_the_controls():
    seen = []

    def callback(event, payload):
        seen.append(event)
        if event == "batch" and payload["step"] == 2:
            trainer.stop()

    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=5, batch_size=8),
                      callbacks=[callback])
    assert trainer.run()["steps"] == 2
    assert seen.count("batch") == 2


@pytest.mark.parametrize("bad", [None, 3])
def test_add_callback_needs_a_callable(bad):
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=1))
    with pytest.raises(TypeError, match="callable"):
        trainer.add_callback(bad)


def test_ctrl_c_inside_a_batch_keeps_the_weights_of_the_last_applied_step():
    from tests.netlab.training._trainer_data import weights

    model = mlp()
    good = []
    events = []

    def keep(event, payload):
        events.append((event, payload))
        if event == "batch":
            good.append(weights(model))

    trainer = Trainer(model, blobs(), TrainConfig(epochs=2, batch_size=8, lr=0.5,
                                                  optimizer_options={"momentum": 0.9}),
                      callbacks=[keep])
    step = trainer.optimizer.step

    def interrupted_step():  # the 4th update is applied, then Ctrl+C arrives
        step()
        if len(good) == 3:
            raise KeyboardInterrupt

    trainer.optimizer.step = interrupted_step
    with pytest.raises(KeyboardInterrupt):
        trainer.run()
    assert trainer.state == "stopped" and len(good) == 3
    assert events[-1][0] == "finished" and events[-1][1]["reason"] == "interrupted"
    for k, v in weights(model).items():
        assert (v == good[-1][k]).all(), k
    for p in model.parameters():  # the momentum of the interrupted step is undone too
        assert trainer.optimizer.state[p]["momentum_buffer"] is not None


def test_the_idle_hook_runs_in_the_training_thread_while_paused_and_on_wake():
    calls = []
    trainer = Trainer(mlp(), blobs(), TrainConfig(epochs=50, batch_size=8))
    trainer.set_idle_hook(lambda: calls.append((threading.current_thread(), trainer.step_count)))
    trainer.pause()  # before run: the first wait blocks at once
    thread, result = start(trainer)
    wait_until(lambda: len(calls) >= 1, "the idle hook")
    assert calls[0] == (thread, 0)  # in the training thread, between batches
    trainer.wake()
    wait_until(lambda: len(calls) >= 2, "the hook again after wake()")
    assert trainer.state == "paused" and trainer.step_count == 0  # wake() runs no batch
    trainer.stop()
    thread.join(TIMEOUT)
    assert result["report"]["reason"] == "stopped"
