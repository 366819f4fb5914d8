"""smart_tuner.coqui: its array work (numpy), and — in the Coqui environment, where
scripts/test.sh runs this file again — hyperparameters reaching a real Coqui Trainer."""
from __future__ import annotations

import json
import os

import pytest

from smart_tuner import coqui
from smart_tuner._coqui_batches import averaged_losses, loss_components, padded_attention

np = pytest.importorskip("numpy")
EXAMPLE_CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "coqui-tacotron2", "config.json")


def batch(utterances, rows, columns, frames, tokens, gate=True):
    attention = np.arange(utterances * rows * columns, dtype=np.float32).reshape(utterances, rows, columns)
    return {"losses": {"total": 1.0}, "attention": attention, "frames": frames, "tokens": tokens,
            "gate": np.ones((utterances, rows), dtype=np.float32) if gate else None}


def test_evaluated_batches_become_one_zero_padded_batch_with_lengths_and_gate():
    padded = padded_attention([batch(2, 3, 4, [3, 2], [4, 3]), batch(1, 5, 2, [5], [2])], limit=16)
    assert padded["attention"].shape == (3, 5, 4)
    assert padded["frames"] == [3, 2, 5] and padded["tokens"] == [4, 3, 2]
    assert (padded["attention"][2, :, 2:] == 0).all() and (padded["attention"][0, 3:] == 0).all()
    assert padded["attention"][2, 4, 1] == batch(1, 5, 2, [5], [2])["attention"][0, 4, 1]
    assert padded["gate"].shape == (3, 5) and (padded["gate"][0, 3:] == -20.0).all() and (padded["gate"][2] == 1.0).all()


def test_the_attention_sample_limit_and_a_batch_without_gate():
    padded = padded_attention([batch(2, 3, 4, [3, 3], [4, 4]), batch(2, 3, 4, [3, 3], [4, 4], gate=False)], limit=3)
    assert padded["attention"].shape[0] == 3 and padded["gate"] is None
    assert padded_attention([{"losses": {"total": 1.0}}], limit=4) is None


def test_losses_are_averaged_per_name_and_only_losses_are_losses():
    assert averaged_losses([{"total": 1.0, "ga_loss": 0.5}, {"total": 3.0}]) == {"total": 2.0, "ga_loss": 0.5}
    named = loss_components({"loss": 2.5, "decoder_loss": 1.0, "current_lr": 0.001, "align_error": 0.7, "grad_norm": 3.0, "step_time": 2.0})
    assert named == {"total": 2.5, "decoder_loss": 1.0}


def test_run_by_hand_the_callbacks_are_empty(monkeypatch):
    monkeypatch.delenv("SMART_TUNER_PROTOCOL", raising=False)
    assert coqui.callbacks() == {}


# A real Coqui Trainer (the example's Tacotron 2) built with the callbacks; it reports what its
# optimizer, criterion and config hold after the callback applied the trial's values.
TRAINER = f"""
import json
from trainer import Trainer, TrainerArgs
from TTS.config import load_config
from TTS.tts.models import setup_model
import smart_tuner
from smart_tuner.coqui import callbacks

config = load_config({EXAMPLE_CONFIG!r})
model = setup_model(config)
trainer = Trainer(TrainerArgs(), model.config, "out", model=model, train_samples=[], eval_samples=[],
                  parse_command_line_args=False, callbacks=callbacks())
print(json.dumps({{"lr": trainer.optimizer[0].param_groups[0]["lr"], "ga_alpha": trainer.criterion[0].ga_alpha,
                  "batch_size": trainer.config.batch_size, "save_step": trainer.config.save_step,
                  "output": str(trainer.output_path)}}), flush=True)
"""


def coqui_available() -> bool:
    try:
        import trainer  # noqa: F401
        import TTS  # noqa: F401
    except Exception:
        return False
    return True


needs_coqui = pytest.mark.skipif(not coqui_available(), reason="Coqui TTS is not installed here: scripts/test.sh runs this file again in $(scripts/coqui-env.sh)")


@pytest.fixture
def slow_start(monkeypatch):
    """Importing Coqui and building its Tacotron 2 takes tens of seconds (more on a loaded machine)."""
    import conftest
    monkeypatch.setattr(conftest, "CEILING", 600.0)


@needs_coqui
def test_the_trials_values_reach_coquis_optimizer_criterion_and_config(tuner, tmp_path, slow_start):
    t = tuner(TRAINER, steps=4, checkpointInterval=3,
              hyperparameters={"learning_rate": 0.0123, "ga_alpha": 7.5, "batch_size": 3.0})
    t.until("hello")
    t.close_stdin()
    assert t.wait() == 0, t.stderr[-2000:]
    printed = json.loads([line for line in t.stderr.decode().splitlines() if line.startswith('{"lr"')][-1])
    assert printed["lr"] == pytest.approx(0.0123) and printed["ga_alpha"] == 7.5
    assert printed["batch_size"] == 3 and isinstance(printed["batch_size"], int)
    assert printed["save_step"] == 3 and printed["output"] == str(tmp_path / "run" / "g0")


@needs_coqui
def test_a_hyperparameter_that_is_no_config_field_is_an_error_that_lists_the_fields(tuner, slow_start):
    t = tuner(TRAINER, steps=4, hyperparameters={"learning_rate": 0.01, "warmup_steps": 30.0})
    error = t.until("log", level="error")["message"]
    assert "hyperparameter 'warmup_steps' is not a field of Tacotron2Config" in error
    assert "callbacks(names=" in error and "ga_alpha" in error
    assert t.wait() != 0
