#!/usr/bin/env python3
"""Restart latency of the PyTorch Tacotron 2 example (examples/pytorch-tacotron2), cold against
hot, side by side: from the step whose loss went NaN (a `nan` drill fault) to the first step of
the new generation, resumed from the last checkpoint.

- cold: the tuner's path for a worker without hot_restart — the process is ended and a new one
  starts (imports torch, loads the corpus, builds the model, loads the checkpoint);
- hot: the worker declared hot_restart — pause, restart, and it reloads in place.

The tuner's own backoff before a restart (the same for both) is left out. Run from the
repository's root with the environment of scripts/python-env.sh:

    "$(scripts/python-env.sh)/bin/python" Benchmarks/restart_latency.py [--rounds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "examples", "pytorch-tacotron2", "train.py")


class Worker:
    def __init__(self, request, corpus):
        self.process = subprocess.Popen([sys.executable, SCRIPT, "--corpus", corpus], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        env=dict(os.environ, SMART_TUNER_PROTOCOL="2", PYTHONPATH=os.path.join(ROOT, "python")))
        self.send(request)

    def send(self, value):
        self.process.stdin.write((json.dumps(value) + "\n").encode())
        self.process.stdin.flush()

    def until(self, test):
        for line in self.process.stdout:
            event = json.loads(line)
            if test(event):
                return event
        raise RuntimeError("the worker ended early")


def request(directory, generation, resume=None, step=None, faults=True):
    value = {"trialID": "bench", "generation": generation, "steps": 10**6, "validationInterval": 10**6, "checkpointInterval": 2,
             "checkpointDirectory": os.path.join(directory, f"g{generation}"), "heartbeatInterval": 1.0,
             "hyperparameters": {"learning_rate": 2e-3, "batch_size": 8, "guided_attention_weight": 5.0, "grad_clip": 1.0},
             "faults": {"faults": [{"kind": "nan", "value": 6, "generation": 0}] if faults else []}}
    if resume:
        value["resumeCheckpoint"], value["resumeStep"] = resume, step
    return value


def failed_step(worker):
    """Runs to the NaN step; returns the time it arrived and the last checkpoint before it."""
    checkpoint = None
    for line in worker.process.stdout:
        event = json.loads(line)
        if event["type"] == "checkpoint":
            checkpoint = event
        elif event["type"] == "step" and event["losses"]["total"] != event["losses"]["total"]:
            return time.monotonic(), checkpoint
    raise RuntimeError("the worker ended before its NaN")


def one(kind, corpus):
    with tempfile.TemporaryDirectory() as directory:
        worker = Worker(request(directory, 0), corpus)
        failed_at, checkpoint = failed_step(worker)
        following = request(directory, 1, checkpoint["path"], checkpoint["step"], faults=False)
        if kind == "hot":
            worker.send({"command": "pause"})
            worker.send({"command": "restart", "request": following})
            worker.until(lambda e: e["type"] == "restarted")
        else:
            worker.process.stdin.close()
            worker.process.wait(timeout=60)
            worker = Worker(following, corpus)
            worker.until(lambda e: e["type"] == "log" and e["message"].startswith("ready in"))
        resumed = time.monotonic() - failed_at  # the new generation's first step begins
        worker.until(lambda e: e["type"] == "step")
        reported = time.monotonic() - failed_at  # … and is reported
        worker.process.kill()
        worker.process.wait()
        return resumed, reported


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", default=os.path.join(ROOT, "data", "espeak-corpus"))
    args = parser.parse_args()
    results = {"cold": [], "hot": []}
    for _ in range(args.rounds):
        for kind in ("cold", "hot"):
            results[kind].append(one(kind, args.corpus))
    for index, what in enumerate(["until the new generation's first step begins", "until that step is reported"]):
        cold = statistics.median(r[index] for r in results["cold"])
        hot = statistics.median(r[index] for r in results["hot"])
        print(f"{what}: cold (new process) median {cold:.2f} s, hot (same process) median {hot:.3f} s, hot / cold = {hot / cold:.1%}")
    print("(the client holds its loop after the NaN step, so neither includes a step trained in vain; the second figure adds the new generation's first step)")


if __name__ == "__main__":
    main()
