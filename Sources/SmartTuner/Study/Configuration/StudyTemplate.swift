/// The commented example study that `smart-tuner init` writes: a short TPE study of the
/// built-in TinyTacotron (minutes on 2 cores).
public enum StudyTemplate {
    /// The YAML text.
    public static let builtin = """
        # A SmartTuner study of the built-in TinyTacotron (DESIGN §8).
        # Run it with: smart-tuner optimize --config THIS_FILE
        study:
          name: tiny-tacotron           # unique in the study file
          storage: runs/studies.db      # SQLite; Optuna opens it too: optuna.load_study(storage="sqlite:///runs/studies.db", study_name=...)
                                        # several machines: postgresql://USER@HOST:5432/DB, password in PGPASSWORD (docs/distributed.md)
          direction: minimize           # the objective of DESIGN §6 is minimised
          trials: 6                     # trials in all; re-running resumes the study
          parallelism: 2                # trials at once in this process (more processes may join the same file)
          seed: 1
          heartbeat_timeout: 60         # seconds; another worker takes over a trial whose worker fell silent
          sampler:
            type: tpe                   # tpe | random | grid
            startup_trials: 3           # random trials before TPE models the results
            constant_liar: true         # running trials count as bad, so parallel workers spread out
          pruner:
            type: median                # none | median | successive_halving | threshold | patient
            startup_trials: 2
            warmup_steps: 300

        trainer:
          type: builtin                 # builtin | builtin_process (a child process per trial) | command
          steps: 700
          final_steps: 1500             # `auto`: the full-budget training of the best parameters
          validation_interval: 100
          checkpoint_interval: 100
          directory: runs               # checkpoints: runs/<study>/trial-<n>/g<generation>/
          fixed:
            batch_size: 16

        search_space:
          learning_rate: {type: float, low: 0.0005, high: 0.01, log: true}
          guided_attention_weight: {type: float, low: 0.0, high: 3.0}
          grad_clip: {type: float, low: 0.5, high: 2.0, step: 0.5}

        objective:                      # what a trial's value is (DESIGN §6)
          val_loss: [mel, stop]         # the losses val_loss sums: not the guided-attention penalty searched above
          weights: {val_loss: 1, alignment_penalty: 1, stop_error: 0.5}

        quality:                        # when attention counts as aligned (DESIGN §5)
          focus_rate: 0.7
          missing_tokens: 0.05
          back_jump_rate: 0.02

        early_stop:
          patience: 10                  # validations without improvement (0: off)
          alignment_deadline: 600       # steps; not aligned by then → attention collapse → smart restart

        restart:
          max_restarts_per_trial: 2
          # rules:                      # smart restart per failure cause (DESIGN §4); a cause named here keeps
          #   nonFinite:                # its default rule except for what it gives
          #     adjust:                 # replaces the default changes: multiply | add | set, then min / max
          #       learning_rate: {multiply: 0.5, min: 1.0e-6}
          #       grad_clip: {multiply: 0.5, min: 0.1}
          #     resume: last_good_checkpoint   # last_good_checkpoint | before_spike | last_aligned_or_scratch | scratch

        # alerts:
        #   telegram_chat: "123456"     # the bot token comes from TELEGRAM_BOT_TOKEN, never from this file
        #   webhook: https://example.com/hook

        tracking:                       # views of the study file (docs/tracking.md); `smart-tuner track` sends them again any time
          training_interval: 10         # keep every 10th step's training figures (every validation's are kept)
          tensorboard: runs/tensorboard # tensorboard --logdir runs/tensorboard/tiny-tacotron
          # mlflow:
          #   url: http://127.0.0.1:5000  # or MLFLOW_TRACKING_URI; credentials from MLFLOW_TRACKING_TOKEN, never from this file

        """
}
