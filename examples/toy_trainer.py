#!/usr/bin/env python3
"""A toy trainer on the smart_tuner client (docs/python.md): one weight trained towards 1, and
attention that is a band along the diagonal, narrowing faster with a larger
guided_attention_weight, so a study over learning_rate and guided_attention_weight has
something to find. It honours the study's `nan` drill faults and restarts hot:

    trainer: {type: command, command: [python3, examples/toy_trainer.py], faults: nan@25}

Run by hand it trains with its defaults: python3 examples/toy_trainer.py --hp learning_rate=0.1
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import smart_tuner  # noqa: E402  (the repository's client, also installable with pip install ./python)

UTTERANCES = [(24, 8), (30, 11)]  # (frames, tokens) of the validation utterances, padded to 30 × 11


def attention(width):
    """A padded batch: per utterance a Gaussian band of `width` tokens around the diagonal, the
    stop gate's logits, and the true token of each frame."""
    batch = [[[0.0] * 11 for _ in range(30)] for _ in UTTERANCES]
    gates, truth = [[0.0] * 30 for _ in UTTERANCES], [[0] * 30 for _ in UTTERANCES]
    for b, (frames, tokens) in enumerate(UTTERANCES):
        for t in range(frames):
            centre = t * (tokens - 1) / (frames - 1)
            weights = [math.exp(-((j - centre) ** 2) / (2 * width * width)) for j in range(tokens)]
            batch[b][t][:tokens] = [w / sum(weights) for w in weights]
            gates[b][t], truth[b][t] = 10.0 * (t - (frames - 1) + 0.5), round(centre)
    return {"attention": batch, "gate_logits": gates, "true_alignment": truth}


trial = smart_tuner.connect(defaults={"learning_rate": 0.01, "guided_attention_weight": 1.0}, steps=100)
state = {"weight": 0.0}


def load(path):
    with open(path) as file:
        state["weight"] = json.load(file)["weight"]


@trial.on_restart
def restart(request):
    state["weight"] = 0.0
    if request.resume_checkpoint:
        load(request.resume_checkpoint)


if trial.resume_checkpoint:
    load(trial.resume_checkpoint)
for step in trial.training_steps():
    lr, guidance = trial.hyperparameters["learning_rate"], trial.hyperparameters["guided_attention_weight"]
    if step in trial.fault_steps("nan"):
        state["weight"] = float("nan")
    gradient = 2 * (state["weight"] - 1)
    trial.step(step, {"total": (state["weight"] - 1) ** 2 + 0.1}, grad_norm=abs(gradient), learning_rate=lr)
    state["weight"] -= lr * gradient
    if trial.validation_due(step):
        trial.validation(step, {"total": (state["weight"] - 1) ** 2 + 0.15},
                         lengths=UTTERANCES, **attention(0.25 + 3 * math.exp(-step * guidance / 15)))
    if trial.checkpoint_due(step):
        path = os.path.join(trial.checkpoint_directory, f"checkpoint-{step:07d}.json")
        with open(path, "w") as file:
            json.dump({"step": step, "weight": state["weight"]}, file)
        trial.checkpoint(path, step, weights_finite=math.isfinite(state["weight"]))
