"""A Coqui TTS recipe as a user keeps one: the Tacotron 2 of config.json on the espeak-ng corpus,
trained by Coqui's own Trainer, with `--coqpit.*` overrides as `TTS.bin.train_tts` takes them.

The one SmartTuner line is the Trainer's `callbacks=` argument (smart_tuner.coqui): under
`smart-tuner optimize --config examples/coqui-tacotron2/study-callback.yaml` the tuner sets the
hyperparameters, sees every step, the full attention of each evaluation and every checkpoint,
and restarts a diverging run in this process. Run by hand it trains exactly as without it:

    $(scripts/coqui-env.sh)/bin/python examples/coqui-tacotron2/train.py --coqpit.lr 0.0005
"""
import logging
import os
import sys

from trainer import Trainer, TrainerArgs

from TTS.config import load_config
from TTS.tts.datasets import load_tts_samples
from TTS.tts.models import setup_model
from TTS.utils.generic_utils import ConsoleFormatter, setup_logger

from smart_tuner.coqui import callbacks


def main() -> None:
    setup_logger("TTS", level=logging.INFO, stream=sys.stderr, formatter=ConsoleFormatter())
    args = TrainerArgs()
    known, overrides = args.init_argparse(arg_prefix="").parse_known_args()
    args.parse_args(known)
    config = load_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.json"))
    config.parse_known_args(overrides, relaxed_parser=True)
    train_samples, eval_samples = load_tts_samples(config, eval_split=True, eval_split_max_size=config.eval_split_max_size,
                                                   eval_split_size=config.eval_split_size)
    model = setup_model(config)
    trainer = Trainer(args, model.config, config.output_path, model=model, train_samples=train_samples,
                      eval_samples=eval_samples, parse_command_line_args=False, callbacks=callbacks())
    trainer.fit()


if __name__ == "__main__":
    main()
