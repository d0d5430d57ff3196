"""Thread-safe run controls (pause, resume, stop, single step) checked between batches."""

from __future__ import annotations

import threading

__all__ = ["Controls"]


class Controls:
    """Requests from any thread, honoured by the training thread between batches.

    ``pending`` is a plain attribute the training loop reads before every batch without
    taking the lock (a stale read only delays a request by one batch); the lock guards the
    requests themselves and the condition wakes a paused loop.

    Examples
    --------
    >>> c = Controls()
    >>> c.stop()
    >>> c.pending, c.wait(lambda paused: None)
    (True, False)
    """

    def __init__(self):
        self._cv = threading.Condition()
        self.pending = False
        self._pause = False
        self._stop = False
        self._steps = 0
        self._paused = False  # what the training thread last announced
        # called by the training thread, lock held, each time a paused run is about to block:
        # work that must not race a batch (e.g. a checkpoint asked for while paused) runs there
        self.on_idle = None

    def pause(self) -> None:
        with self._cv:
            self._pause = True
            self.pending = True
            self._cv.notify_all()

    def resume(self) -> None:
        with self._cv:
            self._pause = False
            self._steps = 0
            self.pending = True
            self._cv.notify_all()

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self.pending = True
            self._cv.notify_all()

    def wake(self) -> None:
        """Wake a paused training thread once, so that ``on_idle`` runs again (it then waits
        on)."""
        with self._cv:
            self._cv.notify_all()

    def step(self) -> None:
        with self._cv:
            self._pause = True
            self._steps += 1
            self.pending = True
            self._cv.notify_all()

    def wait(self, announce) -> bool:
        """Called by the training thread: True to run the next batch, False to stop.

        Blocks while paused, until resumed, stopped or asked for one step. ``announce(paused)``
        is called (outside the lock, so a callback may call the controls) whenever the
        paused/running state changes.
        """
        while True:
            with self._cv:
                if self._stop:
                    return False
                change = None
                if not self._pause:
                    if self._paused:
                        change = False
                    else:
                        self.pending = False
                        return True
                elif not self._paused:
                    change = True
                elif self._steps > 0:
                    self._steps -= 1
                    return True  # ``pending`` stays set: check again after this batch
                else:
                    if self.on_idle is not None:
                        self.on_idle()
                    self._cv.wait()
                    continue
                self._paused = change
            announce(change)
