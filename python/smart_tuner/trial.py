"""A trial as a training script sees it: what to train, and where its reports go."""
from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set

from . import _arrays
from ._events import checkpoint_job, validation_job
from ._inbox import Inbox
from ._outbox import Outbox
from ._wire import PROTOCOL_VERSION, losses_dict, number

logger = logging.getLogger("smart_tuner")

#: The longest a hot-restartable script holds its loop after a non-finite step, waiting for the
#: tuner's restart or stop, before it trains on (seconds).
VERDICT_TIMEOUT = 30.0


class Restart:
    """What a hot restart asks of the script (given to the :meth:`Trial.on_restart` hook).

    Reload ``resume_checkpoint`` (or re-initialise the model when it is ``None``: a restart
    from scratch), rebuild the optimizer with ``hyperparameters``, and return. Training then
    continues after ``resume_step``.
    """

    def __init__(self, request: Dict[str, Any], hyperparameters: Dict[str, Any]) -> None:
        self.request = request
        self.generation: int = int(request.get("generation", 0))
        self.hyperparameters: Dict[str, Any] = hyperparameters
        self.resume_checkpoint: Optional[str] = request.get("resumeCheckpoint")
        self.resume_step: int = int(request.get("resumeStep") or 0)

    def __repr__(self) -> str:
        return f"Restart(generation={self.generation}, resume_checkpoint={self.resume_checkpoint!r}, resume_step={self.resume_step})"


def typed_hyperparameters(values: Dict[str, Any], defaults: Dict[str, Any]) -> Dict[str, Any]:
    """The request's values over the defaults; a value whose default is an ``int`` (or
    ``bool``) comes back as one when it is whole (the tuner sends every number as a float)."""
    merged = dict(defaults)
    for name, value in values.items():
        default = defaults.get(name)
        if isinstance(default, bool) and isinstance(value, (int, float)):
            value = bool(value)
        elif isinstance(default, int) and isinstance(value, float) and value.is_integer():
            value = int(value)
        merged[name] = value
    return merged


class Trial:
    """One incarnation of a trial, and the ones a hot restart continues into.

    Made by :func:`smart_tuner.connect`. Under the tuner, reports go to it; run by hand
    (``supervised`` is false), the same calls log progress and training runs with the defaults.
    """

    def __init__(self, request: Dict[str, Any], defaults: Dict[str, Any], *, supervised: bool, outbox: Outbox,
                 inbox: Optional[Inbox], trainer: str, argv: List[str]) -> None:
        self._defaults = dict(defaults)
        self._request = request
        self.supervised = supervised
        self.argv = argv
        self._outbox = outbox
        self._inbox = inbox
        self._trainer = trainer
        self._hello_sent = False
        self._hook: Optional[Callable[[Restart], Optional[int]]] = None
        self._hot = False
        self._verdict_due = False
        self._stop_seen = False
        self._polls_stop = False
        self._last_step = 0
        self._files = 0
        self.hyperparameters: Dict[str, Any] = typed_hyperparameters(request.get("hyperparameters", {}), self._defaults)
        if supervised:
            os.makedirs(self.checkpoint_directory, exist_ok=True)

    # -- what to train ----------------------------------------------------------------

    @property
    def trial_id(self) -> str:
        return str(self._request.get("trialID", "standalone"))

    @property
    def generation(self) -> int:
        """The incarnation: 0 first, one more after each restart."""
        return int(self._request.get("generation", 0))

    @property
    def steps(self) -> int:
        """The step budget (a resumed incarnation trains up to it)."""
        return int(self._request["steps"])

    @property
    def validation_interval(self) -> int:
        return max(1, int(self._request.get("validationInterval", 100)))

    @property
    def checkpoint_interval(self) -> int:
        """0: checkpoint only at the end (and when asked)."""
        return int(self._request.get("checkpointInterval", 500))

    @property
    def checkpoint_directory(self) -> str:
        """Where this incarnation's checkpoints (and attention files) go; it exists."""
        return str(self._request["checkpointDirectory"])

    @property
    def resume_checkpoint(self) -> Optional[str]:
        """The checkpoint to continue from, or ``None`` to start from scratch."""
        return self._request.get("resumeCheckpoint")

    @property
    def resume_step(self) -> int:
        """The step of :attr:`resume_checkpoint` when the tuner knows it (else 0)."""
        return int(self._request.get("resumeStep") or 0)

    @property
    def attention_samples(self) -> int:
        """How many validation utterances' attention to send."""
        return int(self._request.get("attentionSamples", 16))

    @property
    def options(self) -> Dict[str, Any]:
        return dict(self._request.get("options", {}))

    def fault_steps(self, kind: str) -> Set[int]:
        """Steps at which the study's drill faults of ``kind`` (``nan``, ``spike``, …) fire in
        this incarnation (``trainer.faults`` in the study file)."""
        faults = self._request.get("faults", {}).get("faults", [])
        return {int(f["value"]) for f in faults
                if f.get("kind") == kind and f.get("generation") in (None, self.generation)}

    # -- the loop ---------------------------------------------------------------------

    def on_restart(self, hook: Callable[[Restart], Optional[int]]) -> Callable[[Restart], Optional[int]]:
        """Registers the hot-restart hook (use as a decorator). With a hook, and a loop over
        :meth:`training_steps`, the script declares ``hot_restart``: after non-finite values,
        divergence, a gradient explosion or an attention collapse, the tuner asks it to
        reload a checkpoint in this process instead of starting a new one. The hook may return
        the step it resumed at (else the tuner's ``resume_step`` is used)."""
        if self._hello_sent and not self._hot:
            raise RuntimeError("register on_restart before the first step: the capability is declared in the hello")
        self._hook = hook
        return hook

    def training_steps(self, start: Optional[int] = None) -> Iterator[int]:
        """The steps to train: from after ``start`` (default :attr:`resume_step`) to the
        budget. It ends early when the tuner asks to stop (after the step the script saw
        it in, so that it checkpoints), and a hot restart rewinds it to the checkpoint's step
        after the hook ran. Past the budget it waits for the tuner's verdict when it can
        restart in place."""
        self.begin()
        step = self.resume_step if start is None else int(start)
        inbox = self._inbox
        while True:
            self._outbox.activity += 1
            stopping = False
            if inbox is not None:
                rewound = self.between_steps()
                if rewound is not None:
                    step = rewound
                    continue
                if inbox.closed:
                    break
                stopping = inbox.stop and (self._stop_seen or not self._polls_stop)
            if stopping or step >= self.steps:
                rewound = self.end_of_budget(step)
                if rewound is None:
                    return
                step = rewound
                continue
            step += 1
            self._last_step = step
            yield step

    # -- for loops the script does not own (a framework's trainer, smart_tuner.coqui) ----

    def begin(self) -> None:
        """Declares the script's capabilities (the ``hello``) now: hot restart when an
        :meth:`on_restart` hook is registered. :meth:`training_steps` does this itself; a
        framework callback calls it before the framework's first step."""
        self._send_hello(hot=self._hook is not None and self.supervised)

    def between_steps(self) -> Optional[int]:
        """Acts on what the tuner sent since the last step, for a loop the script does not own:
        a pause holds until the restart (or the end of stdin) arrives, a non-finite step holds
        for the verdict, and a hot restart runs the :meth:`on_restart` hook. Returns the step
        training continues after when a restart rewound it, else ``None``. It never stops the
        loop itself: check :meth:`should_stop`."""
        inbox = self._inbox
        if inbox is None:
            return None
        while True:
            request = inbox.take_restart()
            if request is not None:
                return self._restart(request)
            if inbox.closed:
                return None
            if inbox.paused:
                self._wait_for_tuner()
                continue
            if self._verdict_due:
                self._verdict_due = False
                self._await_verdict()
                continue
            return None

    def end_of_budget(self, step: int) -> Optional[int]:
        """Says training ended at ``step`` (the budget, or a stop); a hot-restartable script
        then waits for the tuner, which may still restart it in place. Returns the step to
        continue after when it did, ``None`` when the process should end."""
        self.finish(step)
        inbox = self._inbox
        if not self._hot or inbox is None:
            return None
        self._wait_for_tuner()
        request = inbox.take_restart()
        return None if request is None else self._restart(request)

    def _restart(self, request: Dict[str, Any]) -> int:
        self._request = request
        self._verdict_due = False  # the restart is the verdict
        self.hyperparameters = typed_hyperparameters(request.get("hyperparameters", {}), self._defaults)
        self._stop_seen = False
        os.makedirs(self.checkpoint_directory, exist_ok=True)
        restart = Restart(request, self.hyperparameters)
        with self.busy("hot restart"):
            returned = self._hook(restart) if self._hook is not None else None
        step = restart.resume_step if returned is None else int(returned)
        self._outbox.put({"type": "restarted", "generation": restart.generation, "step": step}, urgent=True)
        return step

    def _await_verdict(self) -> None:
        """After a step whose loss or gradient norm was not finite (which the tuner always
        judges a failure), holds the loop until the tuner's restart or stop arrives, so that a
        hot restart does not wait for a step trained in vain; at most ``VERDICT_TIMEOUT`` s."""
        assert self._inbox is not None
        deadline = time.monotonic() + VERDICT_TIMEOUT
        with self.busy("waiting for the tuner's verdict on a non-finite step"):
            inbox = self._inbox
            while not (inbox.has_restart or inbox.stop or inbox.closed) and time.monotonic() < deadline:
                inbox.wait(0.5)

    def _wait_for_tuner(self) -> None:
        """Holds still (heartbeating) until a restart arrives or stdin ends."""
        assert self._inbox is not None
        with self.busy("waiting for the tuner"):
            while not self._inbox.has_restart and not self._inbox.closed:
                self._inbox.wait(0.5)

    # -- reports ----------------------------------------------------------------------

    def step(self, step: int, losses: Any, grad_norm: Any = None, learning_rate: Any = None, throughput: Any = 0.0) -> None:
        """Reports one optimizer step: ``losses`` a number (the total) or components by name
        (``total`` is the optimised loss), the gradient norm before clipping, the learning
        rate. Queued; it never waits on the tuner."""
        if not self._hello_sent:
            self._send_hello(hot=False)
        outbox = self._outbox
        outbox.activity += 1
        self._last_step = step
        if learning_rate is None:
            learning_rate = self.hyperparameters.get("learning_rate", 0.0)
        event = {"type": "step", "step": int(step), "losses": losses_dict(losses, "step"),
                 "grad_norm": 0.0 if grad_norm is None else number(grad_norm, "grad_norm"),
                 "learning_rate": number(learning_rate, "learning_rate"),
                 "throughput": number(throughput, "throughput")}
        losses = event["losses"]
        total = losses["total"] if "total" in losses else sum(losses.values())
        if self._hot and not (math.isfinite(total) and math.isfinite(event["grad_norm"])):
            self._verdict_due = True  # the tuner's rule for non-finite values (docs/protocol.md)
            outbox.put_step(event, urgent=True)
        else:
            outbox.put_step(event)
        if not self.supervised and step % self.validation_interval == 0:
            logger.info("step %d: %s", step, ", ".join(f"{k} {v:.4g}" for k, v in event["losses"].items()))

    def validation(self, step: int, losses: Any, attention: Any = None, lengths: Optional[Sequence[Sequence[int]]] = None, *,
                   frame_lengths: Any = None, token_lengths: Any = None, gate_logits: Any = None, true_alignment: Any = None) -> None:
        """Reports one validation: its losses and the attention of a padded batch
        (B × T × N: decoder frames × tokens, as Tacotron code has it; numpy, torch or nested
        lists), with each utterance's valid lengths — ``lengths`` as (frames, tokens) pairs,
        or ``frame_lengths`` and ``token_lengths`` (Tacotron's ``output_lengths`` and
        ``input_lengths``). ``gate_logits`` is B × T, ``true_alignment`` B × T token indices.
        The first :attr:`attention_samples` utterances are sent, as ``.npy`` files written
        off the training thread."""
        if not self._hello_sent:
            self._send_hello(hot=False)
        self._outbox.activity += 1
        event: Dict[str, Any] = {"type": "validation", "step": int(step), "losses": losses_dict(losses, "validation"), "samples": []}
        if not self.supervised:
            logger.info("validation at step %d: %s", step, ", ".join(f"{k} {v:.4g}" for k, v in event["losses"].items()))
            return
        if attention is None:
            self._outbox.put(event, urgent=True)
            return
        limit = self.attention_samples
        files = {"attention": _arrays.as_batch(attention, name="attention", ndim=3, floating=True, limit=limit)}
        batch = 1 if len(files["attention"].shape) == 2 else files["attention"].shape[0]
        frames_max, tokens_max = files["attention"].shape[-2], files["attention"].shape[-1]
        if lengths is not None:
            pairs = [tuple(_arrays.as_lengths(pair, "lengths")) for pair in lengths]
            if any(len(pair) != 2 for pair in pairs):
                raise ValueError("lengths must be (frames, tokens) pairs, one per utterance")
            frames, tokens = [p[0] for p in pairs], [p[1] for p in pairs]
        else:
            frames = _arrays.as_lengths(frame_lengths, "frame_lengths") if frame_lengths is not None else [frames_max] * batch
            tokens = _arrays.as_lengths(token_lengths, "token_lengths") if token_lengths is not None else [tokens_max] * batch
        frames, tokens = frames[:limit], tokens[:limit]
        if len(frames) != batch or len(tokens) != batch:
            raise ValueError(f"{len(frames)} frame and {len(tokens)} token lengths for {batch} utterances; give one of each per utterance")
        if gate_logits is not None:
            files["gate_logits"] = _arrays.as_batch(gate_logits, name="gate_logits", ndim=2, floating=True, limit=limit)
        if true_alignment is not None:
            files["true_alignment"] = _arrays.as_batch(true_alignment, name="true_alignment", ndim=2, floating=False, limit=limit)
        self._files += 1
        base = os.path.join(os.path.abspath(self.checkpoint_directory), f"validation-{int(step):07d}-{self._files}")
        paths = {key: f"{base}.{key}.npy" for key in files}
        self._outbox.put(validation_job(event, files, paths, frames, tokens), urgent=True)

    def validation_due(self, step: int) -> bool:
        """Whether to validate after ``step``: every validation interval and at the end."""
        return step % self.validation_interval == 0 or step >= self.steps

    def checkpoint_due(self, step: int) -> bool:
        """Whether to checkpoint after ``step``: every checkpoint interval, at the end, when
        the tuner asks for one, and when it asks the trial to stop."""
        self._polls_stop = True
        due = step >= self.steps or (self.checkpoint_interval > 0 and step % self.checkpoint_interval == 0)
        if self._inbox is not None:
            due = self._inbox.take_checkpoint() or due
            if self._inbox.stop or self._inbox.closed:
                self._stop_seen = True
                due = True
        return due

    def checkpoint(self, path: str, step: Optional[int] = None, *, weights_finite: Optional[bool] = None,
                   heatmap: Optional[str] = None) -> None:
        """Reports a checkpoint the script wrote at ``path`` (after ``step``, default the last
        reported one). Its SHA-256 is computed off the training thread and written beside it
        as ``path.sha256``. Say ``weights_finite`` when you checked that every weight is
        finite; the tuner then trusts it as a resume point even when nothing evaluated it."""
        self._outbox.activity += 1
        if not self._hello_sent:
            self._send_hello(hot=False)
        job = checkpoint_job(os.path.abspath(path), self._last_step if step is None else int(step), weights_finite, heatmap)
        if not self.supervised:
            logger.info("checkpoint at step %s: %s", self._last_step if step is None else step, path)
        self._outbox.put(job, urgent=True)

    def should_stop(self) -> bool:
        """Whether the tuner asked the trial to stop (pruned, converged, overfitting, or shut
        down): checkpoint and leave the loop."""
        self._outbox.activity += 1
        self._polls_stop = True
        if self._inbox is None:
            return False
        stop = self._inbox.stop or self._inbox.closed
        self._stop_seen = self._stop_seen or stop
        return stop

    def heartbeat(self) -> None:
        """Says the script is alive (needed only for long work outside the client's calls;
        see :meth:`busy`)."""
        self._outbox.activity += 1

    @contextlib.contextmanager
    def busy(self, what: str = "") -> Iterator[None]:
        """Keeps heartbeats going during long work that makes no client calls (loading data,
        compiling, evaluating): ``with trial.busy("loading the corpus"): …``."""
        self._outbox.enter_busy()
        try:
            yield
        finally:
            self._outbox.leave_busy()
            self._outbox.activity += 1

    def log(self, message: str, level: str = "info") -> None:
        """A log line for the tuner; ``warning`` and ``error`` lines are kept in the trial's record."""
        if not self.supervised:
            logger.log(logging.ERROR if level in ("error", "critical", "fatal") else logging.WARNING if level.startswith("warn") else logging.INFO, "%s", message)
            return
        self._outbox.put({"type": "log", "level": level, "message": str(message)}, urgent=True)

    def finish(self, step: Optional[int] = None) -> None:
        """Says the budget is done (the loop of :meth:`training_steps` does this itself)."""
        if not self._hello_sent:
            self._send_hello(hot=False)
        self._outbox.put({"type": "finished", "step": self._last_step if step is None else int(step)}, urgent=True)
        self._outbox.flush()

    def close(self) -> None:
        """Writes everything queued (called at exit)."""
        self._outbox.close()

    def _send_hello(self, hot: bool) -> None:
        if self._hello_sent:
            return
        self._hello_sent = True
        self._hot = hot
        capabilities = ["attention_files"] + (["hot_restart"] if hot else [])
        self._outbox.put({"type": "hello", "protocol": PROTOCOL_VERSION, "trainer": self._trainer,
                          "capabilities": capabilities}, urgent=True)
