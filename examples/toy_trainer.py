#!/usr/bin/env python3
"""A toy trainer that speaks SmartTuner's worker protocol (docs/protocol.md) in full: the request
on stdin, step / validation / checkpoint / finished events on stdout, resuming from the checkpoint
it is given, and the stop and checkpoint commands. It needs nothing but the standard library.

Its "model" is one weight trained towards 1 by gradient descent, and its attention is a band along
the diagonal that narrows as training goes on, faster with a larger guided_attention_weight; so a
study over learning_rate and guided_attention_weight has something to find. It honours the `nan`
faults of the request, so smart restart can be seen working on a script that is not SmartTuner's:

    trainer:
      type: command
      command: [python3, examples/toy_trainer.py]
      faults: nan@25
"""
import hashlib
import json
import math
import os
import sys
import threading

UTTERANCES = [(24, 8), (30, 11)]  # (frames, tokens) of the validation utterances


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Commands(threading.Thread):
    """Reads the commands that follow the request on stdin."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lock = threading.Lock()
        self.stop = False
        self.checkpoint = False

    def run(self):
        for line in sys.stdin:
            try:
                command = json.loads(line).get("command")
            except (ValueError, AttributeError):
                continue
            with self.lock:
                if command == "stop":
                    self.stop = True
                elif command == "checkpoint":
                    self.checkpoint = True

    def take(self):
        with self.lock:
            stop, checkpoint = self.stop, self.checkpoint
            self.checkpoint = False
        return stop, checkpoint


def attention_sample(frames, tokens, width):
    """A Gaussian band of `width` tokens around the diagonal; rows sum to 1."""
    rows, truth = [], []
    for t in range(frames):
        centre = t * (tokens - 1) / (frames - 1)
        weights = [math.exp(-((j - centre) ** 2) / (2 * width * width)) for j in range(tokens)]
        total = sum(weights)
        rows.extend(w / total for w in weights)
        truth.append(round(centre))
    gate = [10.0 * (t - (frames - 1) + 0.5) for t in range(frames)]
    return {"frames": frames, "tokens": tokens, "attention": rows, "gate_logits": gate, "true_alignment": truth}


def write_checkpoint(directory, step, weight):
    path = os.path.join(directory, "checkpoint-%07d.json" % step)
    data = json.dumps({"step": step, "weight": weight}).encode()
    with open(path, "wb") as file:
        file.write(data)
    digest = hashlib.sha256(data).hexdigest()
    with open(path + ".sha256", "w") as file:
        file.write(digest)
    emit({"type": "checkpoint", "step": step, "path": path, "sha256": digest})


def main():
    request = json.loads(sys.stdin.readline())
    emit({"type": "hello", "protocol": 1, "trainer": "toy_trainer.py"})
    hyperparameters = request["hyperparameters"]
    learning_rate = float(hyperparameters.get("learning_rate", 0.01))
    guidance = float(hyperparameters.get("guided_attention_weight", 1.0))
    steps = int(request["steps"])
    validation_interval = int(request.get("validationInterval", 100))
    checkpoint_interval = int(request.get("checkpointInterval", 0))
    directory = request["checkpointDirectory"]
    os.makedirs(directory, exist_ok=True)
    generation = int(request.get("generation", 0))
    poison_at = {fault["value"] for fault in request.get("faults", {}).get("faults", [])
                 if fault.get("kind") == "nan" and fault.get("generation", generation) in (None, generation)}

    weight, start = 0.0, 0
    if request.get("resumeCheckpoint"):
        with open(request["resumeCheckpoint"]) as file:
            saved = json.load(file)
        weight, start = float(saved["weight"]), int(saved["step"])

    commands = Commands()
    commands.start()
    step = start
    while step < steps:
        step += 1
        if step in poison_at:
            weight = float("nan")
        loss = (weight - 1) ** 2 + 0.1
        gradient = 2 * (weight - 1)
        weight -= learning_rate * gradient
        emit({"type": "step", "step": step, "losses": {"total": loss}, "grad_norm": abs(gradient),
              "learning_rate": learning_rate, "throughput": 0})
        if step % validation_interval == 0 or step == steps:
            width = 0.25 + 3 * math.exp(-step * guidance / 15)
            emit({"type": "validation", "step": step, "losses": {"total": loss + 0.05},
                  "samples": [attention_sample(frames, tokens, width) for frames, tokens in UTTERANCES]})
        stop, checkpoint_now = commands.take()
        if checkpoint_now or stop or step == steps or (checkpoint_interval > 0 and step % checkpoint_interval == 0):
            write_checkpoint(directory, step, weight)
        if stop:
            break
    emit({"type": "finished", "step": step})


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # SmartTuner stopped listening (it ended this incarnation): leave quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
