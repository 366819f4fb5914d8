"""The request of a script run by hand: defaults from the script, a JSON file, and flags."""
from __future__ import annotations

import argparse
import json
from typing import Any, Dict, List, Sequence, Tuple


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def standalone_request(argv: Sequence[str], defaults: Dict[str, Any], settings: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """A request like the tuner's, and the arguments the client did not take (the script's own).

    Flags: ``--hp NAME=VALUE`` (repeatable), ``--config FILE.json`` (a request or a plain
    ``{"name": value}`` of hyperparameters), ``--steps N``, ``--checkpoint-directory DIR``,
    ``--resume PATH``. A JSON file's values come before ``--hp``; both come before the
    script's defaults.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--hp", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--config", dest="smart_tuner_config")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--checkpoint-directory")
    parser.add_argument("--resume")
    known, rest = parser.parse_known_args(list(argv))
    request: Dict[str, Any] = {
        "trialID": "standalone", "generation": 0, "hyperparameters": dict(defaults),
        "steps": int(settings.get("steps") or 1000),
        "validationInterval": int(settings.get("validation_interval") or 100),
        "checkpointInterval": int(settings.get("checkpoint_interval") or 500),
        "checkpointDirectory": settings.get("checkpoint_directory") or "checkpoints",
        "attentionSamples": int(settings.get("attention_samples") or 16),
        "heartbeatInterval": 1.0, "faults": {"faults": []}, "memoryBudgetMiB": 0, "options": {},
    }
    if known.smart_tuner_config:
        with open(known.smart_tuner_config, encoding="utf-8") as file:
            loaded = json.load(file)
        if not isinstance(loaded, dict):
            raise ValueError(f"{known.smart_tuner_config} must hold a JSON object (a request or hyperparameters by name)")
        if "hyperparameters" in loaded or "steps" in loaded:
            hyper = dict(request["hyperparameters"])
            hyper.update(loaded.get("hyperparameters", {}))
            request.update(loaded)
            request["hyperparameters"] = hyper
        else:
            request["hyperparameters"].update(loaded)
    for item in known.hp:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--hp {item!r} must be NAME=VALUE, e.g. --hp learning_rate=0.001")
        request["hyperparameters"][name] = _value(text)
    if known.steps is not None:
        request["steps"] = known.steps
    if known.checkpoint_directory:
        request["checkpointDirectory"] = known.checkpoint_directory
    if known.resume:
        request["resumeCheckpoint"] = known.resume
    return request, rest


