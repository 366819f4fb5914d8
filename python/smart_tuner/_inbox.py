"""The command reader: lines the tuner writes on stdin after the request."""
from __future__ import annotations

import os
import threading
from typing import Any, Dict, Iterator, Optional

from ._wire import decode_command


class LineReader:
    """Lines of a file descriptor, read with ``os.read``.

    Not ``sys.stdin.buffer``: a daemon thread blocked in a buffered read holds the buffer's
    lock, and the interpreter aborts at exit when it cannot take it (SIGABRT instead of the
    script's own exit status).
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending = b""
        self._ended = False

    def readline(self) -> bytes:
        """The next line with its newline; what is left at the end; ``b""`` after that."""
        while b"\n" not in self._pending and not self._ended:
            try:
                chunk = os.read(self._fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._ended = True
            self._pending += chunk
        line, sep, rest = self._pending.partition(b"\n")
        self._pending = rest
        return line + sep

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class Inbox:
    """Reads commands on a background thread and keeps what the training thread asks about.

    The end of stdin means the tuner is gone or done with this process: training stops.
    """

    def __init__(self, stream: LineReader) -> None:
        self._stream = stream
        self._changed = threading.Condition()
        self.stop = False
        self.checkpoint = False
        self.paused = False
        self.closed = False
        self._restart: Optional[Dict[str, Any]] = None
        self._thread = threading.Thread(target=self._run, name="smart_tuner-inbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for line in self._stream:
                command = decode_command(line)
                with self._changed:
                    if command is None:
                        pass  # unknown commands are ignored, as the protocol asks
                    elif command.kind == "stop":
                        self.stop = True
                    elif command.kind == "checkpoint":
                        self.checkpoint = True
                    elif command.kind == "pause":
                        self.paused = True
                    elif command.kind == "restart":
                        self._restart = command.request
                        self.paused = False
                        self.stop = False
                    self._changed.notify_all()
        except (OSError, ValueError):
            pass
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def take_checkpoint(self) -> bool:
        """Whether a checkpoint was asked for; clears the request."""
        if not self.checkpoint:
            return False
        with self._changed:
            asked, self.checkpoint = self.checkpoint, False
            return asked

    def take_restart(self) -> Optional[Dict[str, Any]]:
        """The request of a pending restart, once."""
        if self._restart is None:
            return None
        with self._changed:
            request, self._restart = self._restart, None
            return request

    def wait(self, timeout: float) -> None:
        """Waits until a command arrives or stdin ends (or ``timeout`` passes)."""
        with self._changed:
            if self._restart is None and not self.closed:
                self._changed.wait(timeout)

    @property
    def has_restart(self) -> bool:
        return self._restart is not None
