"""The client under a (stand-in) tuner: the protocol it speaks, its commands, hot restarts."""
from __future__ import annotations

import hashlib
import os

import pytest

np = pytest.importorskip("numpy")

LOOP = """
import smart_tuner
trial = smart_tuner.connect(defaults={"learning_rate": 0.5, "batch_size": 8})
for step in trial.training_steps():
    trial.step(step, {"total": 1.0 / step, "mel": 0.5}, grad_norm=2.0)
"""


def test_a_plain_loop_says_hello_streams_steps_and_finishes(tuner):
    t = tuner(LOOP, steps=6, hyperparameters={"learning_rate": 0.01, "batch_size": 16.0})
    events = t.rest()
    assert t.wait() == 0
    hello = events[0]
    assert hello["type"] == "hello" and hello["protocol"] == 2 and hello["capabilities"] == ["attention_files"]
    steps = [e for e in events if e["type"] == "step"]
    assert [e["step"] for e in steps] == [1, 2, 3, 4, 5, 6]
    assert steps[0]["losses"] == {"total": 1.0, "mel": 0.5} and steps[0]["grad_norm"] == 2.0
    assert steps[0]["learning_rate"] == 0.01  # the request's value, not the default
    assert events[-1] == {"type": "finished", "step": 6}


def test_hyperparameters_take_their_defaults_types(tuner):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect(defaults={"batch_size": 8, "learning_rate": 0.5, "use_gst": False, "n_mels": 80})
trial.log(repr(sorted((k, type(v).__name__, v) for k, v in trial.hyperparameters.items())), level="warning")
trial.finish(0)
""", hyperparameters={"batch_size": 16.0, "learning_rate": 0.001, "use_gst": 1.0})
    message = t.until("log")["message"]
    assert message == repr(sorted([("batch_size", "int", 16), ("learning_rate", "float", 0.001), ("n_mels", "int", 80),
                                   ("use_gst", "bool", True)]))


def test_print_goes_to_stderr_never_into_the_protocol(tuner):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect()
print("hello from the script")
for step in trial.training_steps():
    print("step", step)
    trial.step(step, 1.0)
""", steps=3)
    events = t.rest()
    assert t.wait() == 0
    assert all(isinstance(e, dict) and "type" in e for e in events)
    assert b"hello from the script" in t.stderr and b"step 3" in t.stderr


def test_validation_arrays_become_npy_files_cut_to_the_requested_samples(tuner, tmp_path):
    t = tuner("""
import numpy as np, smart_tuner
trial = smart_tuner.connect()
attention = np.zeros((4, 6, 5), dtype=np.float64)
attention[:, :, 0] = 1
trial.validation(3, {"total": 0.5, "gate": 0.1}, attention=attention, frame_lengths=np.array([6, 5, 4, 3]),
                 token_lengths=[5, 4, 3, 2], gate_logits=np.ones((4, 6, 1)), true_alignment=np.zeros((4, 6)))
attention[:] = 7  # the script reuses its buffer at once: what was sent is a copy
trial.finish(3)
""", attentionSamples=3)
    event = t.until("validation")
    assert event["losses"] == {"total": 0.5, "gate": 0.1} and event["samples"] == []
    files = event["attention_files"]
    assert files["frames"] == [6, 5, 4] and files["tokens"] == [5, 4, 3]
    attention = np.load(files["attention"])
    assert attention.shape == (3, 6, 5) and attention.dtype == np.float32 and float(attention.max()) == 1.0
    assert np.load(files["gate_logits"]).shape == (3, 6)
    truth = np.load(files["true_alignment"])
    assert truth.shape == (3, 6) and truth.dtype.kind == "i"
    assert os.path.dirname(files["attention"]) == str(tmp_path / "run" / "g0")
    assert t.wait() == 0


def test_float16_attention_stays_float16(tuner):
    t = tuner("""
import numpy as np, smart_tuner
trial = smart_tuner.connect()
trial.validation(1, 0.5, attention=np.full((2, 3, 4), 0.25, dtype=np.float16), lengths=[(3, 4), (2, 4)])
trial.finish(1)
""")
    files = t.until("validation")["attention_files"]
    assert np.load(files["attention"]).dtype == np.float16 and files["frames"] == [3, 2] and files["tokens"] == [4, 4]


def test_torch_tensors_are_taken_as_they_are(tuner):
    pytest.importorskip("torch")
    t = tuner("""
import torch, smart_tuner
trial = smart_tuner.connect()
attention = torch.softmax(torch.randn(2, 7, 5, requires_grad=True), dim=-1)
trial.step(1, {"total": torch.tensor(0.25)}, grad_norm=torch.tensor(3.0))
trial.validation(1, {"total": torch.tensor(0.5)}, attention=attention.to(torch.bfloat16), frame_lengths=torch.tensor([7, 6]),
                 token_lengths=torch.tensor([5, 3]), gate_logits=torch.zeros(2, 7))
trial.finish(1)
""")
    step = t.until("step")
    assert step["losses"] == {"total": 0.25} and step["grad_norm"] == 3.0
    files = t.until("validation")["attention_files"]
    assert np.load(files["attention"]).shape == (2, 7, 5) and files["frames"] == [7, 6]


def test_without_numpy_nested_lists_are_written_by_the_standard_library(tuner):
    t = tuner("""
import sys
sys.modules["numpy"] = None  # as if numpy were not installed
import smart_tuner
trial = smart_tuner.connect()
trial.validation(2, 0.5, attention=[[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.0, 0.0]]], lengths=[(2, 2), (1, 2)],
                 true_alignment=[[0, 1], [0, 0]])
trial.finish(2)
""")
    files = t.until("validation")["attention_files"]
    attention = np.load(files["attention"])
    assert attention.dtype == np.float32 and attention.tolist() == [[[1, 0], [0, 1]], [[0.5, 0.5], [0, 0]]]
    assert np.load(files["true_alignment"]).tolist() == [[0, 1], [0, 0]]


def test_bad_validation_input_is_a_clear_error_in_the_script(tuner):
    t = tuner("""
import smart_tuner
trial = smart_tuner.connect()
trial.validation(2, 0.5, attention=[[[1.0, 0.0]], [[1.0]]])
""")
    log = t.until("log", level="error")
    assert "ragged" in log["message"] and "pad every utterance" in log["message"]
    assert t.wait() != 0


def test_a_checkpoints_digest_is_written_beside_it(tuner, tmp_path):
    t = tuner("""
import os, smart_tuner
trial = smart_tuner.connect()
for step in trial.training_steps():
    trial.step(step, 1.0)
    if trial.checkpoint_due(step):
        path = os.path.join(trial.checkpoint_directory, f"c-{step}.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(3_000_000))
        trial.checkpoint(path, weights_finite=True)
""", steps=10, checkpointInterval=5)
    events = t.rest()
    checkpoints = [e for e in events if e["type"] == "checkpoint"]
    assert [c["step"] for c in checkpoints] == [5, 10] and all(c["weights_finite"] for c in checkpoints)
    for c in checkpoints:
        with open(c["path"], "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        assert c["sha256"] == digest and open(c["path"] + ".sha256").read() == digest
    assert events.index(checkpoints[-1]) < events.index(events[-1]) and events[-1]["type"] == "finished"


def test_stop_ends_the_loop_after_the_step_that_saw_it_with_a_checkpoint(tuner):
    t = tuner("""
import os, smart_tuner
trial = smart_tuner.connect()
for step in trial.training_steps():
    trial.step(step, 1.0)
    if step == 3:
        trial.log("at 3", level="warning")
        while not trial.should_stop():
            pass
    if trial.checkpoint_due(step):
        path = os.path.join(trial.checkpoint_directory, f"c-{step}")
        open(path, "w").write("x")
        trial.checkpoint(path)
""", steps=100000, checkpointInterval=0)
    t.until("log", message="at 3")
    t.send({"command": "stop"})
    events = t.rest()
    assert t.wait() == 0
    assert [e["type"] for e in events][-2:] == ["checkpoint", "finished"]
    assert events[-1]["step"] == 3 and events[-2]["step"] == 3


def test_the_end_of_stdin_stops_training(tuner):
    t = tuner(LOOP, steps=10**9)
    t.until("step", step=5)
    t.close_stdin()
    t.rest()
    assert t.wait() == 0


def test_a_bad_request_line_is_an_error_line_and_a_failed_exit(tmp_path):
    import subprocess
    import sys
    from conftest import PYTHON_DIR
    script = tmp_path / "s.py"
    script.write_text("import smart_tuner\nsmart_tuner.connect()\n")
    result = subprocess.run([sys.executable, str(script)], input=b"not json\n", capture_output=True, timeout=60,
                            env=dict(os.environ, SMART_TUNER_PROTOCOL="2", PYTHONPATH=PYTHON_DIR))
    assert result.returncode != 0
    assert b'"level":"error"' in result.stdout and b"not JSON" in result.stdout
