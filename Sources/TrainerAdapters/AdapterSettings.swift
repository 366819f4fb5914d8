import Foundation
import Training

/// How to run and read a training script that does not speak the worker protocol
/// (`trainer.type: adapter`, docs/adapters.md): the command and how hyperparameters reach it,
/// how its progress is read from its output, where its checkpoints are and how it resumes.
public struct AdapterSettings: Sendable, Hashable {
    /// A file the script reads its settings from, written before each incarnation starts.
    public struct ConfigFile: Sendable, Hashable {
        /// Where it goes.
        public var path: ValueTemplate
        /// What it holds.
        public var contents: ValueTemplate

        /// Creates a config file setting.
        public init(path: ValueTemplate, contents: ValueTemplate) {
            self.path = path
            self.contents = contents
        }
    }

    /// How the script resumes from a checkpoint.
    public struct Resume: Sendable, Hashable {
        /// How a resumed script counts its steps.
        public enum Counting: String, Sendable, Hashable, CaseIterable {
            /// It continues from the checkpoint's step (NVIDIA's `-c`, Coqui's `--continue_path`).
            case checkpoint
            /// It counts from 0 again (Coqui's `--restore_path` loads the weights only); the
            /// adapter adds the checkpoint's step, so the trial's steps go on.
            case zero
        }

        /// Arguments added when resuming (`-c {checkpoint}`).
        public var arguments: [ValueTemplate]
        /// How the resumed script counts.
        public var counting: Counting

        /// Creates a resume setting.
        public init(arguments: [ValueTemplate], counting: Counting) {
            self.arguments = arguments
            self.counting = counting
        }
    }

    /// The program and its arguments (templates).
    public var command: [ValueTemplate]
    /// Arguments that carry hyperparameters, after the command's.
    public var arguments: [ValueTemplate] = []
    /// Environment variables by name (templates).
    public var environment: [String: ValueTemplate] = [:]
    /// A settings file written before each start.
    public var configFile: ConfigFile?
    /// The working directory (template; `nil`: the tuner's).
    public var workingDirectory: ValueTemplate?
    /// How progress is read.
    public var progress = ProgressSettings()
    /// How checkpoints are found (`nil`: the script's checkpoints are not known).
    public var checkpoints: CheckpointPattern?
    /// How the script resumes (`nil`: every restart starts from scratch).
    public var resume: Resume?
    /// The signal that asks the script to stop (SIGINT: Python's KeyboardInterrupt, on which
    /// Coqui saves a checkpoint).
    public var stopSignal: Int32 = SIGINT
    /// Notes on what the script gives in ways the adapter does not read (say, attention only
    /// as TensorBoard images).
    public var notes: [String] = []

    /// Creates settings that run `command`.
    public init(command: [ValueTemplate]) { self.command = command }

    /// The names a template may refer to besides the hyperparameters.
    public static let incarnationPlaceholders: Set<String> = [
        "checkpoint_directory", "steps", "validation_interval", "checkpoint_interval", "trial", "generation",
    ]
    /// The names a resume argument may refer to besides those.
    public static let resumePlaceholders: Set<String> = ["checkpoint", "checkpoint_step", "checkpoint_folder"]

    /// What the tuner can see of the script with these settings.
    public var visibility: TrainerVisibility {
        var signals: Set<VisibleSignal> = []
        if progress.readsSteps { signals.insert(.trainingLoss) }
        if progress.readsSteps && progress.names(.gradNorm) { signals.insert(.gradientNorm) }
        if progress.readsSteps && progress.names(.learningRate) { signals.insert(.learningRate) }
        if progress.readsValidations { signals.insert(.validationLoss) }
        if progress.readsValidations && progress.roles.alignmentError != nil { signals.insert(.focusRate) }
        if checkpoints != nil && resume != nil { signals.insert(.checkpoints) }
        return TrainerVisibility(signals: signals, notes: notes)
    }

    /// Checks every template against the names it may use.
    /// - Throws: ``AdapterSettingError`` for the first template that refers to an unknown name,
    ///   and for settings that read nothing.
    public func check(hyperparameters: Set<String>) throws {
        let known = Self.incarnationPlaceholders.union(hyperparameters)
        guard !command.isEmpty else { throw AdapterSettingError("command", "give the program and its arguments, e.g. [python3, train.py]") }
        for (index, template) in command.enumerated() { try template.check(known: known, keyPath: "command[\(index)]") }
        for (index, template) in arguments.enumerated() { try template.check(known: known, keyPath: "arguments[\(index)]") }
        for (name, template) in environment { try template.check(known: known, keyPath: "environment.\(name)") }
        if let configFile {
            try configFile.path.check(known: known, keyPath: "config_file.path")
            try configFile.contents.check(known: known, keyPath: "config_file.contents")
        }
        try workingDirectory?.check(known: known, keyPath: "working_directory")
        try progress.tensorboard?.directory?.check(known: known, keyPath: "progress.tensorboard.directory")
        for (index, template) in (resume?.arguments ?? []).enumerated() {
            try template.check(known: known.union(Self.resumePlaceholders), keyPath: "resume.arguments[\(index)]")
        }
        guard progress.readsSteps else {
            throw AdapterSettingError("progress", "no rule reads training steps: give progress.step (a line per step with a (?<step>…) group), a progress.blocks entry of kind step, or progress.tensorboard.step")
        }
        if resume != nil && checkpoints == nil {
            throw AdapterSettingError("resume", "resuming needs checkpoints.pattern, to know which files are checkpoints and their steps")
        }
    }

    /// The values of an incarnation's placeholders.
    func values(for request: TrainRequest) -> [String: String] {
        var values = request.hyperparameters.mapValues(ValueTemplate.text(of:))
        values["checkpoint_directory"] = request.checkpointDirectory
        values["steps"] = String(request.steps)
        values["validation_interval"] = String(request.validationInterval)
        values["checkpoint_interval"] = String(request.checkpointInterval)
        values["trial"] = request.trialID
        values["generation"] = String(request.generation)
        if let checkpoint = request.resumeCheckpoint {
            values["checkpoint"] = checkpoint
            values["checkpoint_folder"] = (checkpoint as NSString).deletingLastPathComponent
            values["checkpoint_step"] = request.resumeStep.map(String.init) ?? ""
        }
        return values
    }

    /// The argument list of an incarnation: the command, the hyperparameter arguments, and the
    /// resume arguments when it resumes.
    func argumentList(for request: TrainRequest) throws -> [String] {
        let values = values(for: request)
        var list = try command.enumerated().map { try $1.render(values, keyPath: "command[\($0)]") }
        list += try arguments.enumerated().map { try $1.render(values, keyPath: "arguments[\($0)]") }
        if request.resumeCheckpoint != nil, let resume {
            list += try resume.arguments.enumerated().map { try $1.render(values, keyPath: "resume.arguments[\($0)]") }
        }
        return list
    }
}

extension ProgressSettings {
    enum Role { case gradNorm, learningRate }

    /// Whether some rule can read the value playing `role` (a group of that name, or any block
    /// field, whose names are only known when printed).
    func names(_ role: Role) -> Bool {
        let name = role == .gradNorm ? roles.gradNorm : roles.learningRate
        return stepLines.contains { $0.groups.contains(name) } || blocks.contains { $0.kind == .step } || tensorboard?.step != nil
    }
}
