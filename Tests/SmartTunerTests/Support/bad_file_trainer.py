#!/usr/bin/env python3
"""A trainer on the Python client whose version-2 reports go wrong in one way per trial, chosen by
the trial's number modulo 4: 0 names an attention file that does not exist, 1 a file that is not
.npy, 2 lengths outside the padded batch, 3 dies in the middle of a line. The tuner must end 0-2 as
trainer faults naming the file or the utterance, 3 as a crash with the broken line on record."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import smart_tuner  # noqa: E402

trial = smart_tuner.connect()
case = int(trial.trial_id.rsplit("-", 1)[-1]) % 4
for step in trial.training_steps():
    trial.step(step, {"total": 1.0 / step}, grad_norm=1.0)
    if step == 10:
        base = os.path.join(trial.checkpoint_directory, "v10")
        if case == 0:
            trial._outbox.put({"type": "validation", "step": 10, "losses": {"total": 0.5}, "samples": [],
                               "attention_files": {"attention": base + ".missing.npy", "frames": [4], "tokens": [2]}}, urgent=True)
        elif case == 1:
            with open(base + ".junk.npy", "w") as file:
                file.write("this is not numpy")
            trial._outbox.put({"type": "validation", "step": 10, "losses": {"total": 0.5}, "samples": [],
                               "attention_files": {"attention": base + ".junk.npy", "frames": [4], "tokens": [2]}}, urgent=True)
        elif case == 2:
            diagonal = [[[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]]
            trial.validation(10, 0.5, attention=diagonal, lengths=[(5, 2)])
        else:
            trial._outbox.flush()
            os.write(trial._outbox._fd, b'{"type": "validation", "step": 10, "los')
            os._exit(9)
