"""The Coqui TTS Trainer under SmartTuner with one argument: full attention and hot restarts.

A Coqui recipe (``coqui-tts`` and its ``coqui-tts-trainer``) gives its ``Trainer`` the callbacks::

    from smart_tuner.coqui import callbacks
    trainer = Trainer(TrainerArgs(), config, output_path, model=model, train_samples=train_samples,
                      eval_samples=eval_samples, callbacks=callbacks())
    trainer.fit()

Run by the tuner (a study with ``trainer.type: command``), this speaks protocol version 2:

- the trial's hyperparameters are set on the recipe's config (by field name; ``learning_rate``
  is Coqui's ``lr``, see ``names``) before Coqui builds its criterion, optimizer and scheduler
  again from it, so every value reaches training;
- each optimizer step is reported with its losses, gradient norm and learning rate; each
  evaluation with its losses and the attention of the evaluated batches (decoder steps ×
  tokens, with each utterance's lengths, and the stop-token logits), so the tuner measures
  every alignment metric itself;
- checkpoints go to the tuner's folder of the incarnation, Coqui's ``checkpoint_<step>.pth``
  format, and are reported with the trial's step (the number of optimizer steps in their
  weights) and whether every weight is finite;
- a restart after non-finite values, divergence, a gradient explosion or an attention
  collapse happens in place: the model and optimizer state are reloaded from the checkpoint
  the tuner names, the new hyperparameters applied, and Coqui's loop goes on;
- at the budget (or when the tuner stops the trial) it evaluates and checkpoints once more
  if the last ones are older, reports the end, and — when the tuner has no restart for it —
  ends the process with status 0 (Coqui's ``fit`` turns any exception into status 1 or 130).

Run by hand, ``callbacks()`` is empty and the recipe trains as Coqui alone would.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Any, Callable, Dict, List, Mapping, Optional

from . import supervised
from ._coqui_batches import averaged_losses, evaluated_batch, loss_components, number_or_none, load_training_state, padded_attention
from .trial import Restart, Trial

__all__ = ["callbacks", "CoquiSupervision", "DEFAULT_NAMES"]

logger = logging.getLogger("smart_tuner.coqui")

#: Study hyperparameter names that are spelled differently in Coqui's configs.
DEFAULT_NAMES: Dict[str, str] = {"learning_rate": "lr"}


def callbacks(trial: Optional[Trial] = None, *, names: Optional[Mapping[str, str]] = None) -> Dict[str, Callable[[Any], None]]:
    """The ``callbacks=`` argument of Coqui's ``Trainer``: empty when the script was not started
    by SmartTuner, else the hooks of a :class:`CoquiSupervision` of ``trial`` (default: the
    trial :func:`smart_tuner.connect` reads). ``names`` maps study hyperparameter names to
    config fields, over :data:`DEFAULT_NAMES`; any other name must be a config field."""
    if trial is None:
        if not supervised():
            return {}
        from . import connect
        trial = connect(trainer="coqui")
    return CoquiSupervision(trial, names=names).hooks()


class CoquiSupervision:
    """Connects one Coqui ``Trainer`` to one trial (made by :func:`callbacks`)."""

    def __init__(self, trial: Trial, *, names: Optional[Mapping[str, str]] = None) -> None:
        self.trial = trial
        self.names = {**DEFAULT_NAMES, **dict(names or {})}
        self.trainer: Any = None
        self._in_step = False
        self._validated_at = -1
        self._checkpointed_at = -1
        self._evaluation: Optional[List[Dict[str, Any]]] = None
        self._keep: Optional[int] = None
        trial.on_restart(self._restart_in_place)

    def hooks(self) -> Dict[str, Callable[[Any], None]]:
        return {"on_init_start": self._on_init_start, "on_init_end": self._on_init_end}

    # -- start-up -----------------------------------------------------------------------

    def _on_init_start(self, trainer: Any) -> None:
        """Before Coqui restores anything: hyperparameters in, criterion, optimizer and
        scheduler rebuilt from them, checkpoints to the tuner's folder, the loop wrapped."""
        self.trainer = trainer
        self._apply(self.trial.hyperparameters)
        config = trainer.config
        if self.trial.checkpoint_interval > 0:
            config.save_step = self.trial.checkpoint_interval
        # Coqui's own count of checkpoints to keep would take the client's .sha256 files for
        # checkpoints and delete the resume point; the callback keeps that many itself.
        self._keep = config.save_n_checkpoints
        config.save_n_checkpoints = None
        self._write_checkpoints_to_the_tuners_folder()
        for name in ("train_step", "eval_step", "eval_epoch", "save_checkpoint"):
            original = getattr(trainer, name)
            setattr(trainer, name, _wrapped(getattr(self, "_" + name), original))

    def _write_checkpoints_to_the_tuners_folder(self) -> None:
        current = self.trainer.output_path
        folder = self.trial.checkpoint_directory
        self.trainer.output_path = type(current)(folder) if isinstance(current, os.PathLike) else folder

    def _on_init_end(self, trainer: Any) -> None:
        if self.trial.resume_checkpoint:
            self._load(self.trial.resume_checkpoint, self.trial.resume_step)
        self.trial.begin()

    def _apply(self, hyperparameters: Mapping[str, Any]) -> None:
        trainer = self.trainer
        configs = [trainer.config] + [c for c in [getattr(trainer.model, "config", None)] if c is not None and c is not trainer.config]
        for name, value in hyperparameters.items():
            field = self.names.get(name, name)
            if not hasattr(trainer.config, field):
                raise ValueError(_unknown_field(name, field, trainer.config))
            current = getattr(trainer.config, field)
            if isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, int) and isinstance(value, float) and value.is_integer():
                value = int(value)
            for config in configs:
                setattr(config, field, value)
            if hasattr(trainer.model, field) and not callable(getattr(trainer.model, field)):
                setattr(trainer.model, field, value)  # Coqui's TTS models copy config fields onto themselves
        trainer.criterion = trainer.get_criterion()
        trainer.optimizer = trainer.get_optimizer()
        trainer.scheduler = trainer.get_scheduler()

    # -- the loop -----------------------------------------------------------------------

    def _train_step(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._in_step = True
        try:
            outputs, loss_dict = original(*args, **kwargs)
        finally:
            self._in_step = False
        if outputs is None or loss_dict is None:
            return outputs, loss_dict
        trainer, trial = self.trainer, self.trial
        step = int(trainer.total_steps_done)
        losses = loss_components(loss_dict)
        trial.step(step, losses, grad_norm=number_or_none(loss_dict.get("grad_norm")),
                   learning_rate=number_or_none(loss_dict.get("current_lr", loss_dict.get("current_lr_0"))))
        if trial.between_steps() is not None:
            return outputs, loss_dict
        if trial.should_stop() or step >= trial.steps:
            self._end(step)
        return outputs, loss_dict

    def _end(self, step: int) -> None:
        """The budget (or a stop): a last evaluation and checkpoint if the last ones are older,
        then the end, or a restart the tuner still sends."""
        trainer = self.trainer
        if trainer.config.run_eval and self._validated_at < step:
            trainer.eval_epoch()
            trainer.model.train()
        if self._checkpointed_at < step:
            trainer.save_checkpoint()
        if self.trial.end_of_budget(step) is None:
            self._exit()

    def _exit(self) -> None:
        try:
            self.trainer.dashboard_logger.finish()
        except Exception as error:  # a logger that cannot flush must not turn a finished trial into a failed one
            logger.warning("smart_tuner.coqui: Coqui's dashboard logger did not finish: %s", error)
        self.trial.close()
        logging.shutdown()
        os._exit(0)

    # -- evaluation ---------------------------------------------------------------------

    def _eval_epoch(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._evaluation = []
        try:
            with self.trial.busy("Coqui's evaluation"):
                result = original(*args, **kwargs)
            batches, self._evaluation = self._evaluation, None
            if batches:
                self._report_validation(batches)
        finally:
            self._evaluation = None
        return result

    def _eval_step(self, original: Callable[..., Any], batch: Any, *args: Any, **kwargs: Any) -> Any:
        outputs, loss_dict = original(batch, *args, **kwargs)
        if self._evaluation is not None and outputs is not None and loss_dict is not None:
            self._evaluation.append(evaluated_batch(batch, outputs, loss_dict, self._reduction()))
        return outputs, loss_dict

    def _reduction(self) -> int:
        decoder = getattr(self.trainer.model, "decoder", None)
        return int(getattr(decoder, "r", None) or getattr(self.trainer.config, "r", 1) or 1)

    def _report_validation(self, batches: List[Dict[str, Any]]) -> None:
        step = int(self.trainer.total_steps_done)
        self._validated_at = step
        losses = averaged_losses([b["losses"] for b in batches])
        attention = padded_attention(batches, self.trial.attention_samples)
        if attention is None:
            self.trial.validation(step, losses)
            return
        self.trial.validation(step, losses, attention["attention"], frame_lengths=attention["frames"],
                              token_lengths=attention["tokens"], gate_logits=attention["gate"])

    # -- checkpoints and restarts -------------------------------------------------------

    def _save_checkpoint(self, original: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.trial.busy("Coqui's checkpoint"):
            result = original(*args, **kwargs)
        trainer = self.trainer
        # Inside a train step Coqui saves before it counts the step whose weights it saves.
        step = int(trainer.total_steps_done) + (1 if self._in_step else 0)
        path = os.path.join(trainer.output_path, f"checkpoint_{int(trainer.total_steps_done)}.pth")
        if os.path.isfile(path):
            import torch
            finite = all(bool(torch.isfinite(p).all()) for p in trainer.model.parameters())
            self._checkpointed_at = step
            self.trial.checkpoint(path, step, weights_finite=finite)
            self._retain(os.path.dirname(path))
        else:
            self.trial.log(f"smart_tuner.coqui: Coqui saved no {path}; the checkpoint is not reported", level="warning")
        return result

    def _retain(self, folder: str) -> None:
        """Keeps the newest ``save_n_checkpoints`` of Coqui's checkpoints in ``folder`` (all when
        it is unset); an older one goes with its digest, once the client has written that."""
        if not self._keep or self._keep <= 0:
            return
        found = sorted((int(m.group(1)), name) for name in os.listdir(folder) if (m := re.fullmatch(r"checkpoint_(\d+)\.pth", name)))
        for _, name in found[:-self._keep]:
            path = os.path.join(folder, name)
            if os.path.exists(path + ".sha256"):  # else its digest is still being computed: it goes next time
                os.remove(path)
                os.remove(path + ".sha256")

    def _restart_in_place(self, restart: Restart) -> int:
        self._write_checkpoints_to_the_tuners_folder()
        self._apply(restart.hyperparameters)
        self._validated_at = self._checkpointed_at = -1
        if restart.resume_checkpoint:
            self._load(restart.resume_checkpoint, restart.resume_step)
        else:
            self._reinitialise()
        return int(self.trainer.total_steps_done)

    def _load(self, path: str, step: int) -> None:
        load_training_state(self.trainer, path)
        self.trainer.total_steps_done = int(step)

    def _reinitialise(self) -> None:
        """A restart from scratch: fresh weights (each module's own initialisation)."""
        for module in self.trainer.model.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
        self.trainer.optimizer = self.trainer.get_optimizer()
        self.trainer.scheduler = self.trainer.get_scheduler()
        self.trainer.total_steps_done = 0


#: Config fields studies commonly search, named in the error for a name that is no field.
COMMON_FIELDS = ("lr", "batch_size", "ga_alpha", "grad_clip", "r", "decoder_loss_alpha", "postnet_loss_alpha",
                 "stopnet_pos_weight", "optimizer_params", "lr_scheduler_params")


def _unknown_field(name: str, field: str, config: Any) -> str:
    import difflib
    fields = sorted(k for k in vars(config) if not k.startswith("_"))
    close = difflib.get_close_matches(field, fields, n=4, cutoff=0.5)
    common = [f for f in COMMON_FIELDS if f in fields]
    return (f"smart_tuner.coqui: hyperparameter '{name}' is not a field of {type(config).__name__}"
            + (f" (close: {', '.join(close)})" if close else "")
            + f"; fields studies often search: {', '.join(common)} ({len(fields)} in all); "
            + f"map a study name to a field with callbacks(names={{'{name}': 'field'}})")


def _wrapped(method: Callable[..., Any], original: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return method(original, *args, **kwargs)
    call.__wrapped__ = original  # type: ignore[attr-defined]
    return call
