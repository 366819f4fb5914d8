import Foundation

/// Named bundles of adapter settings for the trainers people have (`trainer.adapter.preset`);
/// every key the study file gives overrides the preset's.
public enum AdapterPreset: String, Sendable, CaseIterable {
    /// NVIDIA/tacotron2's `train.py` (github.com/NVIDIA/tacotron2 @185cd24e): on stdout
    /// `Train loss {i} {loss:.6f} Grad Norm {g:.6f} {t:.2f}s/it` each iteration (train.py:240)
    /// and `Validation loss {i}: {v:9f}  ` (train.py:145); `checkpoint_{i}` without extension
    /// in `-o`, holding the weights after iteration i (train.py:250); `-c` resumes with the
    /// optimizer and continues at iteration i + 1 (train.py:196-201). Iterations count from 0.
    case nvidia
    /// The Coqui Trainer (coqui-tts-trainer 0.4.0, as coqui-tts 0.28 requires): on stderr
    /// (trainer logger, ANSI colours) a block per printed step, `--> TIME: … -- STEP: s/n --
    /// GLOBAL_STEP: g` then `| > key: value  (average)` lines ending with `loader_time`, and an
    /// `--> EVAL PERFORMANCE` block of `| > avg_key: value` lines; grad norms print as
    /// `tensor(x)`, and a NaN one as the integer `0`; `checkpoint_{g}.pth` in a run folder of its
    /// own under the output path; `--restore_path` loads weights only and counts from 0.
    case coqui

    /// The preset's settings for `command`.
    public func settings(command: [ValueTemplate]) throws -> AdapterSettings {
        var settings = AdapterSettings(command: command)
        switch self {
        case .nvidia:
            settings.progress.stream = .stdout
            settings.progress.stepLines = [try OutputPattern(
                #"^Train loss (?<step>\d+) (?<loss>\S+) Grad Norm (?<grad_norm>\S+) (?<seconds_per_step>\S+)s/it"#,
                keyPath: "preset nvidia")]
            settings.progress.validationLines = [try OutputPattern(#"^Validation loss (?<step>\d+): +(?<loss>\S+)"#, keyPath: "preset nvidia")]
            settings.progress.roles.ignored = ["seconds_per_step"]
            settings.progress.stepOffset = 1
            settings.checkpoints = try CheckpointPattern("checkpoint_{step}", stepOffset: 1, keyPath: "preset nvidia")
            settings.resume = AdapterSettings.Resume(arguments: [try ValueTemplate("-c", keyPath: "preset nvidia"),
                                                                 try ValueTemplate("{checkpoint}", keyPath: "preset nvidia")],
                                                     counting: .checkpoint)
            settings.notes = ["NVIDIA's train.py prints no learning rate and writes attention only as TensorBoard images, which are not read"]
        case .coqui:
            settings.progress.stream = .stderr
            settings.progress.blocks = [
                ProgressSettings.Block(kind: .step, header: try OutputPattern(#"--> TIME: .* -- STEP: \d+/\d+ -- GLOBAL_STEP: (?<step>\d+)"#, keyPath: "preset coqui"),
                                       field: try OutputPattern(#"^\s*\| > (?<name>\w+): (?<value>tensor\([^)]*\)|\S+)"#, keyPath: "preset coqui"),
                                       lastField: "loader_time"),
                ProgressSettings.Block(kind: .validation, header: try OutputPattern(#"--> EVAL PERFORMANCE"#, keyPath: "preset coqui"),
                                       field: try OutputPattern(#"^\s*\| > avg_(?<name>\w+): (?<value>tensor\([^)]*\)|\S+)"#, keyPath: "preset coqui")),
            ]
            settings.progress.roles.learningRate = "current_lr"
            settings.progress.roles.ignored = ["step_time", "loader_time", "amp_scaler"]
            settings.progress.roles.nonFiniteMarkers = ["grad_norm": "0"]
            settings.progress.roles.alignmentError = "align_error"
            settings.progress.stepOffset = 1
            settings.checkpoints = try CheckpointPattern("checkpoint_{step}.pth", stepOffset: 1, keyPath: "preset coqui")
            settings.resume = AdapterSettings.Resume(arguments: [try ValueTemplate("--restore_path", keyPath: "preset coqui"),
                                                                 try ValueTemplate("{checkpoint}", keyPath: "preset coqui")],
                                                     counting: .zero)
            settings.notes = ["Coqui writes attention only as TensorBoard images, which are not read; its validation align_error gives the focus rate (1 − align_error, over padded frames)"]
        }
        return settings
    }
}
