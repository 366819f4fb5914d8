"""Writes config.json, the Coqui TTS configuration this example keeps as a user keeps theirs: a
Tacotron 2 small enough to train on a CPU (reduction factor 6, batch 4, the espeak-ng corpus of
scripts/make-speech-corpus.sh), no learning-rate scheduler, every step printed. SmartTuner runs
it unmodified with Coqui's own `python -m TTS.bin.train_tts --config_path config.json` and
changes only what the study's arguments override (--coqpit.lr, --coqpit.ga_alpha, …).

Run with the Coqui environment: $(scripts/coqui-env.sh)/bin/python examples/coqui-tacotron2/make_config.py
"""
import os

from TTS.config.shared_configs import BaseAudioConfig
from TTS.tts.configs.shared_configs import BaseDatasetConfig
from TTS.tts.configs.tacotron2_config import Tacotron2Config

audio = BaseAudioConfig(sample_rate=22050, do_trim_silence=False, mel_fmin=0.0, mel_fmax=8000.0)
config = Tacotron2Config(
    run_name="tacotron2", audio=audio, batch_size=4, eval_batch_size=4, num_loader_workers=0, num_eval_loader_workers=0,
    run_eval=True, test_delay_epochs=100000, r=6, epochs=1000, text_cleaner="english_cleaners",
    use_phonemes=False, print_step=1, plot_step=1, save_step=5, save_n_checkpoints=2, save_best_after=1000000,
    print_eval=False, mixed_precision=False, lr=1e-3, lr_scheduler=None, lr_scheduler_params={}, ga_alpha=5.0,
    output_path="runs/coqui-tacotron2", max_decoder_steps=500, eval_split_size=8, eval_split_max_size=8,
    datasets=[BaseDatasetConfig(formatter="ljspeech", meta_file_train="metadata.csv", path="data/espeak-corpus")])
config.save_json(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.json"))
