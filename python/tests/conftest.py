"""A stand-in for the tuner's side of the protocol: starts a script as SmartTuner does (request
on stdin, SMART_TUNER_PROTOCOL set), reads its events, writes commands. Every wait has a
ceiling that fails the test instead of hanging it."""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
from typing import Any, Dict, List, Optional

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CEILING = 60.0


class Tuner:
    def __init__(self, script: str, request: Dict[str, Any], tmp_path, env: Optional[Dict[str, str]] = None) -> None:
        path = tmp_path / "train.py"
        path.write_text(textwrap.dedent(script))
        environment = dict(os.environ, SMART_TUNER_PROTOCOL="2", PYTHONPATH=PYTHON_DIR)
        environment.update(env or {})
        self.process = subprocess.Popen([sys.executable, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=environment, cwd=str(tmp_path))
        self.events: "queue.Queue[Optional[Dict[str, Any]]]" = queue.Queue()
        self.seen: List[Dict[str, Any]] = []
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()
        self.send(request)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.events.put(json.loads(line))
        self.events.put(None)

    def _read_stderr(self) -> None:
        self.stderr = self.process.stderr.read()

    def send(self, value: Dict[str, Any]) -> None:
        self.process.stdin.write((json.dumps(value) + "\n").encode())
        self.process.stdin.flush()

    def close_stdin(self) -> None:
        self.process.stdin.close()

    def next(self) -> Optional[Dict[str, Any]]:
        try:
            event = self.events.get(timeout=CEILING)
        except queue.Empty:
            self.process.kill()
            pytest.fail(f"no event within {CEILING} s; seen {self.seen[-5:]}")
        if event is not None:
            self.seen.append(event)
        return event

    def until(self, kind: str, **fields: Any) -> Dict[str, Any]:
        """Reads events until one of type `kind` whose fields match."""
        while True:
            event = self.next()
            if event is None:
                pytest.fail(f"the script ended before a {kind} {fields}; seen {self.seen[-8:]}; stderr {self.stderr[-500:]!r}")
            if event["type"] == kind and all(event.get(k) == v for k, v in fields.items()):
                return event

    def rest(self) -> List[Dict[str, Any]]:
        """Every event until the script's stdout ends."""
        events = []
        while True:
            event = self.next()
            if event is None:
                return events
            events.append(event)

    def wait(self) -> int:
        """The script's exit status, once it has exited and all of its stderr has been read."""
        try:
            status = self.process.wait(timeout=CEILING)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the script did not exit")
        self._stderr_reader.join(timeout=CEILING)
        if self._stderr_reader.is_alive():
            pytest.fail("the script's stderr did not close")
        return status


def request(tmp_path, **fields: Any) -> Dict[str, Any]:
    value = {"trialID": "t1", "generation": 0, "hyperparameters": {"learning_rate": 0.01}, "steps": 10,
             "validationInterval": 5, "checkpointInterval": 5, "checkpointDirectory": str(tmp_path / "run" / "g0"),
             "attentionSamples": 16, "heartbeatInterval": 1.0, "faults": {"faults": []}, "memoryBudgetMiB": 0, "options": {}}
    value.update(fields)
    return value


@pytest.fixture
def tuner(tmp_path):
    started: List[Tuner] = []

    def start(script: str, env: Optional[Dict[str, str]] = None, **fields: Any) -> Tuner:
        t = Tuner(script, request(tmp_path, **fields), tmp_path, env)
        started.append(t)
        return t

    yield start
    for t in started:
        if t.process.poll() is None:
            t.process.kill()
            t.process.wait()
