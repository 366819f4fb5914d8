#!/usr/bin/env python3
"""A compact Tacotron 2 on the espeak-ng corpus, trained under SmartTuner through the Python
client (docs/python.md) — the example a TTS engineer copies.

    smart-tuner optimize --config examples/pytorch-tacotron2/study.yaml     # a study
    python3 examples/pytorch-tacotron2/train.py --hp learning_rate=2e-3     # by hand

It reports losses, the gradient norm and the learning rate at every step; at every validation
the teacher-forced attention of held-out sentences with their lengths, gate logits and the true
alignment (espeak-ng's phoneme timings); checkpoints with a finiteness check; and it restarts
hot: after a NaN the tuner has it reload a checkpoint in this process with new values.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))  # the client, also pip install ./python
import smart_tuner  # noqa: E402

started = time.monotonic()
trial = smart_tuner.connect(defaults={"learning_rate": 2e-3, "batch_size": 16, "guided_attention_weight": 20.0,
                                      "guided_attention_sigma": 0.15, "grad_clip": 1.0}, steps=400, validation_interval=50, checkpoint_interval=100)
with trial.busy("importing torch and loading the corpus"):
    import torch  # noqa: E402

    sys.path.insert(0, HERE)
    from data import Corpus, ensure_corpus  # noqa: E402
    from model import Tacotron2, losses  # noqa: E402

    options = argparse.ArgumentParser()
    options.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "data", "espeak-corpus"))
    options.add_argument("--held-out", type=int, default=16)
    options.add_argument("--threads", type=int, default=2)
    args = options.parse_args(trial.argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ensure_corpus(args.corpus)
    corpus = Corpus(args.corpus)
    training, held_out = corpus.split(args.held_out)
    model = Tacotron2(len(corpus.vocabulary))


def make_optimizer(hyperparameters):
    return torch.optim.Adam(model.parameters(), lr=hyperparameters["learning_rate"])


def load(path, optimizer=None):
    """Loads a checkpoint into the model (and the optimizer's state, when given); returns its step."""
    state = torch.load(path)
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:  # (checkpoints of older versions hold the model only)
        optimizer.load_state_dict(state["optimizer"])
    return int(state["step"])


optimizer = make_optimizer(trial.hyperparameters)
# A resumed trial (a take-over, a cold restart) goes on with its optimizer's moments.
start = load(trial.resume_checkpoint, optimizer) if trial.resume_checkpoint else 0
for group in optimizer.param_groups:
    group["lr"] = trial.hyperparameters["learning_rate"]  # a restart's adjusted value wins


@trial.on_restart
def restart(request):
    """A hot restart: reload (or re-initialise), a new optimizer with the adjusted values (the
    old one's moments may hold what made the run fail)."""
    global optimizer
    if request.resume_checkpoint:
        step = load(request.resume_checkpoint)
    else:
        torch.manual_seed(request.generation)
        model.load_state_dict(Tacotron2(len(corpus.vocabulary)).state_dict())
        step = 0
    optimizer = make_optimizer(request.hyperparameters)
    return step


rng = random.Random(trial.generation)
trial.log(f"ready in {time.monotonic() - started:.1f} s ({len(training)} training, {len(held_out)} held-out utterances)", level="info")
for step in trial.training_steps(start):
    hp = trial.hyperparameters
    model.train()
    batch = corpus.batch(rng.sample(training, int(hp["batch_size"])), model.reduction)
    parts = losses(model(batch), batch, hp["guided_attention_weight"], hp["guided_attention_sigma"])
    if step in trial.fault_steps("nan"):  # this incarnation's drill faults
        parts["total"] = parts["total"] * float("nan")  # a drill: the study's `faults: nan@STEP`
    optimizer.zero_grad()
    parts["total"].backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip"])
    if math.isfinite(float(grad_norm)):
        optimizer.step()
    trial.step(step, {name: value.item() for name, value in parts.items()}, grad_norm=grad_norm.item(), learning_rate=hp["learning_rate"])
    if trial.validation_due(step):
        model.eval()
        with torch.no_grad():
            batch = corpus.batch(held_out, model.reduction)
            output = model(batch)
            parts = losses(output, batch, hp["guided_attention_weight"], hp["guided_attention_sigma"])
        trial.validation(step, {name: value.item() for name, value in parts.items()}, attention=output["attention"],
                         frame_lengths=batch["steps"], token_lengths=batch["token_lengths"], gate_logits=output["gate"],
                         true_alignment=batch["truth"])
    if trial.checkpoint_due(step):
        path = os.path.join(trial.checkpoint_directory, f"checkpoint-{step:07d}.pt")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step}, path)
        finite = all(bool(torch.isfinite(p).all()) for p in model.parameters())
        trial.checkpoint(path, step, weights_finite=finite)
