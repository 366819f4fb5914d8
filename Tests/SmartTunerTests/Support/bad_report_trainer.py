#!/usr/bin/env python3
"""A command trainer (docs/protocol.md) whose validation reports are wrong in one way per trial,
chosen by the trial's number modulo 4: 0 sends attention with 3 values fewer than frames x tokens,
1 a NaN attention weight, 2 a frame whose weights sum to 2, 3 nothing wrong. The tuner must end
the first three as trainer faults (no restart, no hyperparameter changed) and finish the study."""
import json
import math
import os
import sys

FRAMES, TOKENS = 12, 4


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def sample(case):
    rows = []
    for frame in range(FRAMES):
        centre = frame * (TOKENS - 1) / (FRAMES - 1)
        weights = [math.exp(-((token - centre) ** 2) / 0.5) for token in range(TOKENS)]
        total = sum(weights)
        rows.append([w / total for w in weights])
    if case == 2:
        rows[5] = [2 * w for w in rows[5]]
    attention = [w for row in rows for w in row]
    if case == 0:
        attention = attention[:-3]
    elif case == 1:
        attention[7] = float("nan")
    gate = [10.0 * (frame - FRAMES + 1.5) for frame in range(FRAMES)]
    truth = [round(frame * (TOKENS - 1) / (FRAMES - 1)) for frame in range(FRAMES)]
    return {"frames": FRAMES, "tokens": TOKENS, "attention": attention, "gate_logits": gate, "true_alignment": truth}


def main():
    request = json.loads(sys.stdin.readline())
    emit({"type": "hello", "protocol": 1, "trainer": "bad_report_trainer.py"})
    case = int(request["trialID"].rsplit("-", 1)[1]) % 4
    steps, interval = int(request["steps"]), int(request.get("validationInterval", 10))
    directory = request["checkpointDirectory"]
    os.makedirs(directory, exist_ok=True)
    for step in range(1, steps + 1):
        loss = 1.0 / step + 0.1
        emit({"type": "step", "step": step, "losses": {"total": loss}, "grad_norm": 0.5, "learning_rate": 0.01, "throughput": 0})
        if step % interval == 0:
            # json.dumps writes NaN as the bare token the protocol accepts (docs/protocol.md).
            emit({"type": "validation", "step": step, "losses": {"total": loss}, "samples": [sample(case)]})
    emit({"type": "finished", "step": steps})


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
