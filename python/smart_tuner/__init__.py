"""smart_tuner: the training-script side of SmartTuner (protocol version 2, docs/python.md).

Three lines turn a training script into a SmartTuner trainer::

    trial = smart_tuner.connect(defaults={"learning_rate": 1e-3})
    for step in trial.training_steps():
        trial.step(step, {"total": train_one_step(trial.hyperparameters)})

Run by the tuner (which sets ``SMART_TUNER_PROTOCOL``), ``connect`` reads the trial's request;
run by hand, the same script trains with its defaults, ``--hp NAME=VALUE`` flags or a
``--config`` JSON file. Standard library only; numpy and torch are used when present.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import traceback
from typing import Any, Dict, List, Optional, Sequence

from ._inbox import Inbox, LineReader
from ._outbox import Outbox
from ._standalone import standalone_request
from ._wire import PROTOCOL_VERSION, ProtocolError, encode
from .trial import Restart, Trial

__all__ = ["connect", "Trial", "Restart", "ProtocolError", "PROTOCOL_VERSION", "__version__"]
__version__ = "0.2.0"

_ENVIRONMENT = "SMART_TUNER_PROTOCOL"


def supervised() -> bool:
    """Whether this process was started by SmartTuner."""
    return _ENVIRONMENT in os.environ


def _read_request(stream: LineReader, fd: int) -> Dict[str, Any]:
    line = stream.readline()
    problem = None
    request: Any = None
    if not line:
        problem = "stdin ended before the request (the tuner writes it as the first line)"
    else:
        try:
            request = json.loads(line)
        except ValueError as error:
            problem = f"the first line of stdin is not JSON: {error}"
    if problem is None and not (isinstance(request, dict) and "steps" in request and "checkpointDirectory" in request):
        problem = "the first line of stdin is not a request (it needs steps and checkpointDirectory)"
    if problem is not None:
        os.write(fd, encode({"type": "log", "level": "error", "message": f"smart_tuner: {problem}"}))
        raise ProtocolError(problem)
    return request


def connect(defaults: Optional[Dict[str, Any]] = None, *, steps: Optional[int] = None, validation_interval: Optional[int] = None,
            checkpoint_interval: Optional[int] = None, checkpoint_directory: Optional[str] = None, trainer: Optional[str] = None,
            argv: Optional[Sequence[str]] = None) -> Trial:
    """The trial this process trains.

    Under the tuner: reads the request from stdin, moves the script's own stdout to stderr
    (so ``print`` cannot corrupt the protocol; the tuner keeps the stderr tail for failure
    records), and starts the writer and command threads. Run by hand: builds a request from
    ``defaults`` and the settings given here, overridden by ``--config FILE.json`` and
    ``--hp NAME=VALUE`` flags (``trial.argv`` holds the arguments it did not take).

    ``defaults`` fill the hyperparameters a study does not search, and give their types:
    a whole number whose default is an ``int`` comes back as an ``int``.
    """
    defaults = dict(defaults or {})
    name = trainer or os.path.basename(sys.argv[0] or "python")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not supervised():
        settings = {"steps": steps, "validation_interval": validation_interval, "checkpoint_interval": checkpoint_interval,
                    "checkpoint_directory": checkpoint_directory}
        request, rest = standalone_request(arguments, defaults, settings)
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(message)s")
        os.makedirs(request["checkpointDirectory"], exist_ok=True)
        outbox = Outbox(os.open(os.devnull, os.O_WRONLY), heartbeat_interval=3600)
        trial = Trial(request, defaults, supervised=False, outbox=outbox, inbox=None, trainer=name, argv=rest)
        atexit.register(trial.close)
        return trial
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    stdin = LineReader(sys.stdin.fileno())
    request = _read_request(stdin, fd)
    outbox = Outbox(fd, heartbeat_interval=float(request.get("heartbeatInterval", 1.0)))
    trial = Trial(request, defaults, supervised=True, outbox=outbox, inbox=Inbox(stdin), trainer=name, argv=arguments)
    _report_uncaught_exceptions(trial)
    atexit.register(trial.close)
    return trial


def _report_uncaught_exceptions(trial: Trial) -> None:
    """An exception that ends the script is told to the tuner as an error line first, so the
    trial's record says what went wrong."""
    previous = sys.excepthook

    def hook(kind: Any, value: BaseException, tb: Any) -> None:
        lines: List[str] = traceback.format_exception_only(kind, value)
        where = traceback.extract_tb(tb)[-1] if tb is not None else None
        place = f" ({os.path.basename(where.filename)}:{where.lineno})" if where is not None else ""
        trial.log("".join(lines).strip() + place, level="error")
        trial.close()
        previous(kind, value, tb)

    sys.excepthook = hook
