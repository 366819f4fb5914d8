"""Run by hand, the same script trains with its defaults, flags or a JSON file."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR
from smart_tuner._standalone import standalone_request

SCRIPT = """
import json, smart_tuner
trial = smart_tuner.connect(defaults={"learning_rate": 0.1, "batch_size": 8}, steps=4)
for step in trial.training_steps():
    trial.step(step, 1.0 / step)
    if trial.validation_due(step):
        trial.validation(step, 0.5, attention=[[[1.0]]])
    if trial.checkpoint_due(step):
        open(trial.checkpoint_directory + "/c", "w").write("x")
        trial.checkpoint(trial.checkpoint_directory + "/c")
print(json.dumps({"hp": trial.hyperparameters, "argv": trial.argv, "supervised": trial.supervised, "steps": trial.steps}))
"""


def run(tmp_path, *args):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    environment = {k: v for k, v in os.environ.items() if k != "SMART_TUNER_PROTOCOL"}
    environment["PYTHONPATH"] = PYTHON_DIR
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True, timeout=60, cwd=str(tmp_path), env=environment)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout.decode().strip().splitlines()[-1]), result.stderr.decode()


def test_defaults_flags_and_the_scripts_own_arguments(tmp_path):
    out, log = run(tmp_path, "--hp", "learning_rate=0.003", "--epochs", "3", "--hp", "batch_size=32")
    assert out == {"hp": {"learning_rate": 0.003, "batch_size": 32}, "argv": ["--epochs", "3"], "supervised": False, "steps": 4}
    assert "checkpoint at step 4" in log and (tmp_path / "checkpoints" / "c.sha256").exists()


def test_a_json_file_of_hyperparameters_or_a_whole_request(tmp_path):
    (tmp_path / "hp.json").write_text(json.dumps({"learning_rate": 0.02}))
    out, _ = run(tmp_path, "--config", "hp.json")
    assert out["hp"] == {"learning_rate": 0.02, "batch_size": 8}
    (tmp_path / "req.json").write_text(json.dumps({"steps": 2, "hyperparameters": {"batch_size": 4}}))
    out, _ = run(tmp_path, "--config", "req.json", "--hp", "batch_size=5")
    assert out["steps"] == 2 and out["hp"] == {"learning_rate": 0.1, "batch_size": 5}


@pytest.mark.parametrize("argv, message", [
    (["--hp", "learning_rate"], "must be NAME=VALUE"),
    (["--hp", "=3"], "must be NAME=VALUE"),
])
def test_bad_flags_say_what_is_valid(argv, message):
    with pytest.raises(ValueError, match=message):
        standalone_request(argv, {}, {})


def test_a_config_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="must hold a JSON object"):
        standalone_request(["--config", str(path)], {}, {})
