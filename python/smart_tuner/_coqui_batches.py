"""The array work of smart_tuner.coqui: evaluated batches into one padded batch, and a Coqui
checkpoint back into a running Trainer (numpy and torch: the Coqui environment has both)."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence


def averaged_losses(batches: Sequence[Dict[str, float]]) -> Dict[str, float]:
    """Each loss averaged over the evaluated batches that report it."""
    sums: Dict[str, List[float]] = {}
    for losses in batches:
        for name, value in losses.items():
            sums.setdefault(name, []).append(value)
    return {name: math.fsum(values) / len(values) for name, values in sums.items()}


def padded_attention(batches: Sequence[Dict[str, Any]], limit: int) -> Optional[Dict[str, Any]]:
    """The first ``limit`` evaluated utterances as one batch padded with zeros to the longest
    (B × decoder steps × tokens), with their lengths and stop-token logits; ``None`` when no
    batch had attention."""
    import numpy as np
    utterances = []
    for entry in batches:
        if "attention" not in entry:
            continue
        for index in range(entry["attention"].shape[0]):
            gate = entry["gate"]
            utterances.append((entry["attention"][index], None if gate is None else gate[index], entry["frames"][index], entry["tokens"][index]))
    utterances = utterances[:max(1, limit)]
    if not utterances:
        return None
    rows = max(a.shape[0] for a, _, _, _ in utterances)
    columns = max(a.shape[1] for a, _, _, _ in utterances)
    attention = np.zeros((len(utterances), rows, columns), dtype=np.float32)
    with_gate = all(g is not None and g.shape[0] == a.shape[0] for a, g, _, _ in utterances)
    gate = np.full((len(utterances), rows), -20.0, dtype=np.float32) if with_gate else None
    for index, (a, g, _, _) in enumerate(utterances):
        attention[index, :a.shape[0], :a.shape[1]] = a
        if gate is not None:
            gate[index, :g.shape[0]] = g
    return {"attention": attention, "gate": gate,
            "frames": [min(f, rows) for _, _, f, _ in utterances], "tokens": [min(t, columns) for _, _, _, t in utterances]}


def load_training_state(trainer: Any, path: str) -> None:
    """Loads a Coqui checkpoint into ``trainer``: the model's weights, then the optimizer's
    (and scheduler's) state when the checkpoint has a compatible one, keeping the learning
    rate the trainer's config now asks for — at the same point of its schedule."""
    from trainer.io import load_fsspec
    checkpoint = load_fsspec(path, map_location="cpu")
    trainer.model.load_state_dict(checkpoint["model"])
    optimizers = trainer.optimizer
    schedulers = trainer.scheduler if isinstance(trainer.scheduler, list) else [trainer.scheduler]
    states = checkpoint.get("optimizer")
    states = states if isinstance(states, list) else [states]
    scheduler_states = checkpoint.get("scheduler")
    scheduler_states = scheduler_states if isinstance(scheduler_states, list) else [scheduler_states]
    rates = trainer.get_lr()
    for index, optimizer in enumerate(optimizers):
        state = states[index] if index < len(states) else None
        if state is not None:
            try:
                optimizer.load_state_dict(state)
            except (KeyError, ValueError, RuntimeError, TypeError):
                pass  # another optimizer's state: it starts afresh, as Coqui's own restore does
        scheduler = schedulers[index] if index < len(schedulers) else None
        if scheduler is not None and index < len(scheduler_states) and scheduler_states[index]:
            scheduler.load_state_dict(scheduler_states[index])
        base = rates[index] if index < len(rates) else rates[-1]
        for group in optimizer.param_groups:
            before = group.get("initial_lr") or group["lr"]
            scale = group["lr"] / before if before else 1.0
            group["initial_lr"] = base
            group["lr"] = base * scale
        if scheduler is not None and hasattr(scheduler, "base_lrs"):
            scheduler.base_lrs = [base] * len(optimizer.param_groups)
    trainer.epochs_done = int(checkpoint.get("epoch", trainer.epochs_done))


def number_or_none(value: Any) -> Optional[float]:
    if value is None:
        return None
    try:
        return float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError):
        return None


def loss_components(loss_dict: Mapping[str, Any]) -> Dict[str, float]:
    """Coqui's loss dictionary as the protocol's losses: ``loss`` is the total, every other
    ``*_loss`` a component (learning rates, timings, ``align_error`` and the like are not losses)."""
    losses: Dict[str, float] = {}
    for key, value in loss_dict.items():
        if key == "loss" or key.endswith("_loss"):
            number = number_or_none(value)
            if number is not None:
                losses["total" if key == "loss" else key] = number
    if "total" not in losses:
        losses["total"] = math.fsum(losses.values())
    return losses


def evaluated_batch(batch: Mapping[str, Any], outputs: Mapping[str, Any], loss_dict: Mapping[str, Any], reduction: int) -> Dict[str, Any]:
    """What one evaluated batch gives the validation report (copied off the model's tensors)."""
    entry: Dict[str, Any] = {"losses": loss_components(loss_dict)}
    alignments = outputs.get("alignments")
    if alignments is not None and batch.get("text_lengths") is not None and batch.get("mel_lengths") is not None:
        entry["attention"] = alignments.detach().float().cpu().numpy()
        stop = outputs.get("stop_tokens")
        entry["gate"] = None if stop is None else stop.detach().float().cpu().numpy().reshape(entry["attention"].shape[0], -1)
        entry["tokens"] = [int(n) for n in batch["text_lengths"].detach().cpu().tolist()]
        frames = [int(n) for n in batch["mel_lengths"].detach().cpu().tolist()]
        # The attention has one row per decoder step: r mel frames each.
        entry["frames"] = [min(-(-n // reduction), entry["attention"].shape[1]) for n in frames]
    return entry
