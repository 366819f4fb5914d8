import Foundation
import TrainerAdapters
import Yams

/// The `trainer.adapter` section of a `type: adapter` trainer (docs/adapters.md): a preset and
/// the keys that override it.
///
/// ```yaml
/// trainer:
///   type: adapter
///   command: [python3, train.py, -o, "{checkpoint_directory}"]
///   adapter:
///     preset: nvidia
///     arguments: [--hparams, "batch_size={batch_size},learning_rate={learning_rate}"]
/// ```
extension StudyFileReader {
    static let adapterKeys = ["preset", "arguments", "environment", "config_file", "working_directory", "progress", "checkpoints",
                              "resume", "stop_signal", "notes"]
    static let progressKeys = ["stream", "step", "validation", "blocks", "step_offset", "loss", "grad_norm", "learning_rate",
                               "alignment_error", "ignore", "non_finite", "tensorboard"]

    /// The adapter settings for `command`, from `node` (`nil`: the section is missing, which
    /// is an error the caller reports).
    func adapter(_ node: Node, command: [String]) throws -> AdapterSettings {
        let path = "trainer.adapter"
        let a = try yaml.mapping(node, path, allowed: Self.adapterKeys)
        let commandTemplates = try command.enumerated().map { try template($1, node, "trainer.command[\($0)]") }
        var settings: AdapterSettings
        if let n = a["preset"] {
            let preset = try yaml.choice(n, "\(path).preset", Dictionary(uniqueKeysWithValues: AdapterPreset.allCases.map { ($0.rawValue, $0) }))
            settings = try adapted(n, "\(path).preset") { try preset.settings(command: commandTemplates) }
        } else {
            settings = AdapterSettings(command: commandTemplates)
        }
        if let n = a["arguments"] { settings.arguments = try templates(n, "\(path).arguments") }
        if let n = a["environment"] {
            for (name, _, value) in try yaml.anyMapping(n, "\(path).environment") {
                settings.environment[name] = try template(try yaml.string(value, "\(path).environment.\(name)"), value, "\(path).environment.\(name)")
            }
        }
        if let n = a["config_file"] {
            let c = try yaml.mapping(n, "\(path).config_file", allowed: ["path", "contents"])
            guard let pathNode = c["path"], let contents = c["contents"] else {
                throw yaml.error(n, "\(path).config_file", "give path: (where the file goes) and contents: (what it holds, with {placeholders})")
            }
            settings.configFile = AdapterSettings.ConfigFile(
                path: try template(try yaml.string(pathNode, "\(path).config_file.path"), pathNode, "\(path).config_file.path"),
                contents: try template(try yaml.string(contents, "\(path).config_file.contents"), contents, "\(path).config_file.contents"))
        }
        if let n = a["working_directory"] { settings.workingDirectory = try template(try yaml.string(n, "\(path).working_directory"), n, "\(path).working_directory") }
        if let n = a["progress"] { settings.progress = try progress(n, base: settings.progress) }
        if let n = a["checkpoints"] {
            let c = try yaml.mapping(n, "\(path).checkpoints", allowed: ["pattern", "step_offset"])
            guard let pattern = c["pattern"] else { throw yaml.error(n, "\(path).checkpoints", "give pattern:, a file name with {step}, e.g. checkpoint_{step}.pth") }
            let offset = try c["step_offset"].map { try yaml.int($0, "\(path).checkpoints.step_offset", range: -1_000_000...1_000_000) }
                ?? settings.checkpoints?.stepOffset ?? 0
            settings.checkpoints = try adapted(pattern, "\(path).checkpoints.pattern") {
                try CheckpointPattern(try yaml.string(pattern, "\(path).checkpoints.pattern"), stepOffset: offset, keyPath: "\(path).checkpoints.pattern")
            }
        }
        if let n = a["resume"] {
            let r = try yaml.mapping(n, "\(path).resume", allowed: ["arguments", "counting"])
            guard let arguments = r["arguments"] else { throw yaml.error(n, "\(path).resume", "give arguments:, e.g. [-c, \"{checkpoint}\"]") }
            let counting = try r["counting"].map {
                try yaml.choice($0, "\(path).resume.counting", Dictionary(uniqueKeysWithValues: AdapterSettings.Resume.Counting.allCases.map { ($0.rawValue, $0) }))
            } ?? settings.resume?.counting ?? .checkpoint
            settings.resume = AdapterSettings.Resume(arguments: try templates(arguments, "\(path).resume.arguments"), counting: counting)
        }
        if let n = a["stop_signal"] {
            settings.stopSignal = try yaml.choice(n, "\(path).stop_signal", ["SIGINT": SIGINT, "SIGTERM": SIGTERM, "SIGUSR1": SIGUSR1, "SIGUSR2": SIGUSR2])
        }
        if let n = a["notes"] { settings.notes = try yaml.strings(n, "\(path).notes") }
        return settings
    }

    private func progress(_ node: Node, base: ProgressSettings) throws -> ProgressSettings {
        let path = "trainer.adapter.progress"
        let p = try yaml.mapping(node, path, allowed: Self.progressKeys)
        var progress = base
        if let n = p["stream"] {
            progress.stream = try yaml.choice(n, "\(path).stream", Dictionary(uniqueKeysWithValues: ProgressSettings.Stream.allCases.map { ($0.rawValue, $0) }))
        }
        if let n = p["step"] { progress.stepLines = try patterns(n, "\(path).step", required: ["step"]) }
        if let n = p["validation"] { progress.validationLines = try patterns(n, "\(path).validation", required: []) }
        if let n = p["blocks"] {
            guard case .sequence(let entries) = n else { throw yaml.error(n, "\(path).blocks", "expected a list of {kind, header, field, last_field}") }
            progress.blocks = try entries.enumerated().map { index, entry in
                let at = "\(path).blocks[\(index)]"
                let b = try yaml.mapping(entry, at, allowed: ["kind", "header", "field", "last_field"])
                guard let kind = b["kind"], let header = b["header"], let field = b["field"] else {
                    throw yaml.error(entry, at, "a block needs kind: (step or validation), header: and field: (a regex with (?<name>…) and (?<value>…))")
                }
                let blockKind = try yaml.choice(kind, "\(at).kind", ["step": ProgressSettings.Block.Kind.step, "validation": .validation])
                return ProgressSettings.Block(
                    kind: blockKind, header: try pattern(header, "\(at).header", required: blockKind == .step ? ["step"] : []),
                    field: try pattern(field, "\(at).field", required: ["name", "value"]),
                    lastField: try b["last_field"].map { try yaml.string($0, "\(at).last_field") })
            }
        }
        if let n = p["step_offset"] { progress.stepOffset = try yaml.int(n, "\(path).step_offset", range: -1_000_000...1_000_000) }
        if let n = p["loss"] { progress.roles.total = try yaml.string(n, "\(path).loss") }
        if let n = p["grad_norm"] { progress.roles.gradNorm = try yaml.string(n, "\(path).grad_norm") }
        if let n = p["learning_rate"] { progress.roles.learningRate = try yaml.string(n, "\(path).learning_rate") }
        if let n = p["tensorboard"] { progress.tensorboard = try tensorboard(n) }
        if let n = p["alignment_error"] { progress.roles.alignmentError = try yaml.string(n, "\(path).alignment_error") }
        if let n = p["ignore"] { progress.roles.ignored = Set(try yaml.strings(n, "\(path).ignore")) }
        if let n = p["non_finite"] {
            progress.roles.nonFiniteMarkers = [:]
            for (name, _, value) in try yaml.anyMapping(n, "\(path).non_finite") {
                progress.roles.nonFiniteMarkers[name] = try yaml.string(value, "\(path).non_finite.\(name)")
            }
        }
        return progress
    }

    private func tensorboard(_ node: Node) throws -> TensorBoardSettings {
        let path = "trainer.adapter.progress.tensorboard"
        let t = try yaml.mapping(node, path, allowed: ["directory", "step", "validation"])
        var settings = TensorBoardSettings()
        if let n = t["directory"] { settings.directory = try template(try yaml.string(n, "\(path).directory"), n, "\(path).directory") }
        func rule(_ key: String) throws -> TensorBoardSettings.Rule? {
            guard let n = t[key] else { return nil }
            let r = try yaml.mapping(n, "\(path).\(key)", allowed: ["tags", "step_offset"])
            guard let tags = r["tags"] else { throw yaml.error(n, "\(path).\(key)", "give tags:, a regex with a (?<name>…) group, e.g. 'TrainIterStats/(?<name>.+)'") }
            return TensorBoardSettings.Rule(tags: try pattern(tags, "\(path).\(key).tags", required: ["name"]),
                                            stepOffset: try r["step_offset"].map { try yaml.int($0, "\(path).\(key).step_offset", range: -1_000_000...1_000_000) } ?? 0)
        }
        settings.step = try rule("step")
        settings.validation = try rule("validation")
        guard settings.step != nil || settings.validation != nil else {
            throw yaml.error(node, path, "give step: and/or validation: ({tags: regex with (?<name>…), step_offset: n})")
        }
        return settings
    }

    private func patterns(_ node: Node, _ path: String, required: [String]) throws -> [OutputPattern] {
        if case .sequence(let entries) = node {
            return try entries.enumerated().map { try pattern($1, "\(path)[\($0)]", required: required) }
        }
        return [try pattern(node, path, required: required)]
    }

    private func pattern(_ node: Node, _ path: String, required: [String]) throws -> OutputPattern {
        let source = try yaml.string(node, path)
        return try adapted(node, path) { try OutputPattern(source, keyPath: path, required: required) }
    }

    private func templates(_ node: Node, _ path: String) throws -> [ValueTemplate] {
        try yaml.strings(node, path).enumerated().map { try template($1, node, "\(path)[\($0)]") }
    }

    private func template(_ text: String, _ node: Node, _ path: String) throws -> ValueTemplate {
        try adapted(node, path) { try ValueTemplate(text, keyPath: path) }
    }

    /// Runs `body`, turning its ``AdapterSettingError`` into a configuration error at `node`.
    private func adapted<T>(_ node: Node, _ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as AdapterSettingError {
            throw yaml.error(node, path, error.message)
        }
    }
}
