#!/usr/bin/env python3
"""The Python client's cost to a training script, measured under a stand-in for the tuner that
reads every line (as the tuner does):

- per step: the training thread's time in ``trial.step(...)`` (target under 20 µs), over
  200 000 steps with three loss components;
- per validation: the training thread's time in ``trial.validation(...)`` for a 16 × 800 × 150
  attention batch (float32 from the model, with lengths, gate logits and a true alignment), and
  the time until its event line (files saved) reaches the reader.

The tuner's half of the hand-over (read, cut, check, analyse) is the AlignmentBenchmarks
benchmark "Attention file: 16×800×150 …"; the two add up to the end-to-end figure.

    python3 Benchmarks/python_client.py   (needs numpy)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, sys, time
import numpy as np
import smart_tuner
trial = smart_tuner.connect()
losses = {"total": 0.5, "mel": 0.3, "gate": 0.2}
n = 200_000
for _ in range(3):  # warm-up rounds, then the measured one
    start = time.perf_counter()
    for step in range(1, n + 1):
        trial.step(step, losses, grad_norm=1.5, learning_rate=1e-3)
    per_step = (time.perf_counter() - start) / n
trial._outbox.flush()
rng = np.random.default_rng(1)
attention = rng.random((16, 800, 150), dtype=np.float32)
attention /= attention.sum(-1, keepdims=True)
gates = rng.standard_normal((16, 800)).astype(np.float32)
truth = np.tile(np.arange(800) * 150 // 800, (16, 1))
lengths = [(800 - 20 * b, 150 - 4 * b) for b in range(16)]
calls = []
for round in range(10):
    start = time.perf_counter()
    trial.validation(n + round, 0.4, attention=attention, lengths=lengths, gate_logits=gates, true_alignment=truth)
    calls.append(time.perf_counter() - start)
    trial.log(json.dumps({"round": round, "sent": time.time()}), level="warning")
    trial._outbox.flush()
trial.log(json.dumps({"per_step_us": per_step * 1e6, "validation_call_ms": sorted(calls)[len(calls) // 2] * 1e3}), level="warning")
trial.finish(n)
"""


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as directory:
        script = os.path.join(directory, "child.py")
        with open(script, "w") as file:
            file.write(CHILD)
        request = {"trialID": "bench", "steps": 10**9, "checkpointDirectory": os.path.join(directory, "run"),
                   "heartbeatInterval": 1.0, "attentionSamples": 16}
        process = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   env=dict(os.environ, SMART_TUNER_PROTOCOL="2", PYTHONPATH=os.path.join(root, "python")))
        process.stdin.write((json.dumps(request) + "\n").encode())
        process.stdin.flush()
        handover, result, validation_seen = [], None, None
        for line in process.stdout:
            event = json.loads(line)
            if event["type"] == "validation":
                validation_seen = time.time()
                for path in event["attention_files"].values():
                    if isinstance(path, str):
                        os.remove(path)
            elif event["type"] == "log":
                message = json.loads(event["message"])
                if "round" in message and validation_seen is not None:
                    handover.append(validation_seen - message["sent"])
                elif "per_step_us" in message:
                    result = message
            elif event["type"] == "finished":
                break
        process.stdin.close()
        process.wait(timeout=60)
    print(f"trial.step: {result['per_step_us']:.2f} µs of the training thread per step (target < 20 µs)")
    print(f"trial.validation (16×800×150 float32 + gates + truth): {result['validation_call_ms']:.1f} ms on the training thread")
    print(f"  the event line with its files saved reached the reader ~{sorted(handover)[len(handover) // 2] * 1e3:.1f} ms after the call "
          "returned (median of 10; may be negative by clock granularity)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
