"""Events made off the training thread: a validation's attention files and a checkpoint's digest."""
from __future__ import annotations

import hashlib
import os
from typing import Any, Callable, Dict, List, Optional

from ._arrays import Batch


def validation_job(event: Dict[str, Any], files: Dict[str, Batch], paths: Dict[str, str],
                   frames: List[int], tokens: List[int]) -> Callable[[Any], Dict[str, Any]]:
    """A job that saves the batch's arrays, then gives the validation event naming them."""

    def job(outbox: Any) -> Dict[str, Any]:
        for key, batch in files.items():
            batch.save(paths[key])
            outbox.tick()
        reference: Dict[str, Any] = {"attention": paths["attention"], "frames": frames, "tokens": tokens}
        for key in ("gate_logits", "true_alignment"):
            if key in paths:
                reference[key] = paths[key]
        event["attention_files"] = reference
        return event

    return job


def checkpoint_job(path: str, step: int, weights_finite: Optional[bool], heatmap: Optional[str]) -> Callable[[Any], Dict[str, Any]]:
    """A job that computes the file's SHA-256 (heartbeating between chunks), writes it beside
    the file as ``<path>.sha256``, and gives the checkpoint event."""

    def job(outbox: Any) -> Dict[str, Any]:
        digest = hashlib.sha256()
        with open(path, "rb") as file:
            while True:
                chunk = file.read(1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
                outbox.tick()
        hex_digest = digest.hexdigest()
        with open(path + ".sha256", "w", encoding="ascii") as file:
            file.write(hex_digest)
        event: Dict[str, Any] = {"type": "checkpoint", "step": step, "path": path, "sha256": hex_digest}
        if weights_finite is not None:
            event["weights_finite"] = bool(weights_finite)
        if heatmap is not None:
            event["heatmap"] = os.path.abspath(heatmap)
        return event

    return job
