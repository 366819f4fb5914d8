"""The writer thread: events leave the training thread as queued items and are written to the
tuner by this thread, so that a training step never waits on the pipe."""
from __future__ import annotations

import collections
import os
import threading
import time
from typing import Any, Callable, Deque, Dict, Optional, Union

from ._wire import encode

Job = Callable[["Outbox"], Optional[Dict[str, Any]]]
Item = Union[Dict[str, Any], Job]


class Outbox:
    """Queued events and jobs (work that produces an event off the training thread, such as a
    checkpoint's digest), written in order by one background thread.

    Heartbeats are automatic but honest: one is written when nothing else was for the
    heartbeat interval *and* the training thread has called the client since the last one, or
    is inside :meth:`busy` (the client marks itself busy while it waits for the tuner). A
    training loop that is stuck makes no calls, sends no heartbeats, and the tuner sees a hang.
    """

    def __init__(self, fd: int, heartbeat_interval: float, flush_interval: float = 0.05) -> None:
        self._fd = fd
        self._items: Deque[Item] = collections.deque()
        self._wake = threading.Event()
        self._drained = threading.Condition()
        self._pending = 0  # items queued but not yet written (guarded by _drained)
        self._heartbeat_interval = max(0.05, heartbeat_interval)
        self._flush_interval = flush_interval
        self._last_write = time.monotonic()
        self.activity = 0  # bumped by every call from the training thread
        self._seen_activity = 0
        self._busy = 0
        self._closed = False
        self.broken = False  # the tuner stopped reading (EPIPE)
        self.last_step = 0
        self._thread = threading.Thread(target=self._run, name="smart_tuner-outbox", daemon=True)
        self._thread.start()

    # -- training-thread side -------------------------------------------------------------

    def put(self, item: Item, urgent: bool = False) -> None:
        """Queues an event (a dict) or a job; ``urgent`` wakes the writer at once."""
        with self._drained:
            self._pending += 1
        self._items.append(item)
        if urgent:
            self._wake.set()

    def put_step(self, event: Dict[str, Any], urgent: bool = False) -> None:
        """The fast path of a step event: a deque append, no lock, and no wake-up unless
        ``urgent`` (steps are not counted by :meth:`flush`'s pending tally)."""
        self._items.append(event)
        if urgent:
            self._wake.set()

    def enter_busy(self) -> None:
        with self._drained:
            self._busy += 1
        self._wake.set()

    def leave_busy(self) -> None:
        with self._drained:
            self._busy -= 1

    def flush(self, timeout: float = 30.0) -> bool:
        """Waits until everything queued so far is written (or the pipe broke)."""
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._drained:
            while (self._pending > 0 or self._items) and not self.broken:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.set()
                self._drained.wait(min(remaining, 0.05))
        return True

    def close(self, timeout: float = 30.0) -> None:
        """Writes what is queued and stops the thread."""
        self.flush(timeout)
        self._closed = True
        self._wake.set()
        self._thread.join(timeout)

    # -- writer-thread side ---------------------------------------------------------------

    def write(self, event: Dict[str, Any]) -> None:
        """Writes one event line now (writer thread, or a job running on it)."""
        if self.broken:
            return
        data = encode(event)
        try:
            while data:
                written = os.write(self._fd, data)
                data = data[written:]
        except (BrokenPipeError, OSError):
            self.broken = True
        self._last_write = time.monotonic()

    def tick(self) -> None:
        """Writes a heartbeat if one is due (also called by long jobs between chunks)."""
        now = time.monotonic()
        if now - self._last_write < self._heartbeat_interval:
            return
        if self._busy > 0 or self.activity != self._seen_activity:
            self._seen_activity = self.activity
            self.write({"type": "heartbeat", "step": self.last_step})

    def _run(self) -> None:
        while True:
            self._wake.wait(min(self._flush_interval, self._heartbeat_interval / 2))
            self._wake.clear()
            written = 0
            while self._items:
                item = self._items.popleft()
                if callable(item):
                    try:
                        event = item(self)
                    except Exception as error:  # a job must never kill the writer
                        event = {"type": "log", "level": "error", "message": f"smart_tuner: {error}"}
                    if event is not None:
                        self.write(event)
                    written += 1
                else:
                    if item.get("type") == "step":
                        self.last_step = item["step"]
                    self.write(item)
                    if item.get("type") != "step":
                        written += 1
            with self._drained:
                self._pending = max(0, self._pending - written)
                self._drained.notify_all()
            self.tick()
            if self._closed and not self._items:
                return
