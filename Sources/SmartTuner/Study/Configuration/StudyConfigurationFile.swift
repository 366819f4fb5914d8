import Foundation
import Optimization
import StudyStore
import TrainerAdapters
import Yams

/// The YAML study file (DESIGN §8): `study`, `trainer`, `search_space`, `quality`,
/// `early_stop`, `restart`, `memory`, `alerts`. Unknown keys are errors; every error names
/// file:line:column and the key path. Secrets are never in the file: they come from the
/// environment.
public enum StudyConfigurationFile {
    /// Reads and validates a study file.
    /// - Throws: ``ConfigurationError``.
    public static func load(path: String) throws -> StudySettings {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, line: 0, column: 0, keyPath: "", message: "cannot read the file; `smart-tuner init` writes an example")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses and validates YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> StudySettings {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(file: file, line: 1, column: 1, keyPath: "", message: "the file is empty; it needs at least study, trainer and search_space")
            }
            root = node
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
        var reader = StudyFileReader(yaml: YAMLReader(file: file))
        let settings = try reader.read(root)
        do {
            try settings.validate()
        } catch let invalid as InvalidSetting {
            throw reader.yaml.error(reader.node(at: invalid.keyPath), invalid.keyPath, invalid.message)
        }
        return settings
    }

    private static func syntaxError(_ error: YamlError, file: String) -> ConfigurationError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationError(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML syntax: \(problem)")
        default:
            return ConfigurationError(file: file, line: 0, column: 0, keyPath: "", message: "YAML: \(error)")
        }
    }
}

/// Walks the node tree into ``StudySettings``, remembering each key path's node for errors.
struct StudyFileReader {
    let yaml: YAMLReader
    private var nodes: [String: Node] = [:]

    init(yaml: YAMLReader) { self.yaml = yaml }

    /// The node at `keyPath` or its nearest ancestor.
    func node(at keyPath: String) -> Node? {
        var path = keyPath
        while !path.isEmpty {
            if let node = nodes[path] { return node }
            path = path.contains(".") ? String(path[..<(path.lastIndex(of: ".") ?? path.endIndex)]) : ""
        }
        return nil
    }

    /// The keys of the mapping at `path` (each checked against `allowed`), remembered for errors.
    mutating func section(_ node: Node, _ path: String, _ allowed: [String]) throws -> [String: Node] {
        nodes[path] = node
        let keys = try yaml.mapping(node, path, allowed: allowed)
        for (key, value) in keys { nodes["\(path).\(key)"] = value }
        return keys
    }

    /// Remembers `node` as the place of `keyPath`, for errors found after reading.
    mutating func remember(_ node: Node, at keyPath: String) { nodes[keyPath] = node }

    /// `study.storage`: a location (`runs/studies.db`, `sqlite:///…`, `postgresql://user@host/db`), or
    /// a mapping of `url` and `password_env` (the environment variable holding a PostgreSQL password).
    mutating func storageSetting(_ node: Node) throws -> (location: String, passwordVariable: String) {
        guard node.mapping != nil else { return (try yaml.string(node, "study.storage"), "PGPASSWORD") }
        let keys = try section(node, "study.storage", ["url", "password_env"])
        guard let url = keys["url"] else { throw yaml.error(node, "study.storage", "needs url (and optionally password_env)") }
        return (try yaml.string(url, "study.storage.url"), try keys["password_env"].map { try yaml.string($0, "study.storage.password_env") } ?? "PGPASSWORD")
    }

    mutating func read(_ root: Node) throws -> StudySettings {
        let top = try section(root, "", ["study", "trainer", "search_space", "objective", "quality", "early_stop", "restart", "memory", "alerts",
                                            "tracking"])
        for required in ["study", "trainer", "search_space"] where top[required] == nil {
            throw yaml.error(root, required, "missing; a study file needs study, trainer and search_space (`smart-tuner init` writes an example)")
        }
        let study = try section(top["study"]!, "study", ["name", "storage", "direction", "trials", "parallelism", "sampler", "pruner", "seed", "heartbeat_timeout"])
        guard let nameNode = study["name"], let storageNode = study["storage"], let trialsNode = study["trials"] else {
            throw yaml.error(top["study"], "study", "needs name, storage and trials")
        }
        let space = try searchSpace(top["search_space"]!)
        let (storage, passwordVariable) = try storageSetting(storageNode)
        var settings = StudySettings(name: try yaml.string(nameNode, "study.name"), storage: storage,
                                     trials: try yaml.int(trialsNode, "study.trials", range: 1...1_000_000), space: space,
                                     trainer: try trainer(top["trainer"]!))
        settings.storagePasswordVariable = passwordVariable
        if let node = study["direction"] { settings.direction = try yaml.choice(node, "study.direction", ["minimize": .minimize, "maximize": .maximize]) }
        if let node = study["parallelism"] { settings.parallelism = try yaml.int(node, "study.parallelism", range: 1...64) }
        if let node = study["seed"] { settings.seed = UInt64(try yaml.int(node, "study.seed", range: 0...Int.max)) }
        if let node = study["heartbeat_timeout"] { settings.staleAfterSeconds = try yaml.double(node, "study.heartbeat_timeout") }
        if let node = study["sampler"] { settings.sampler = try sampler(node) }
        if let node = study["pruner"] { settings.pruner = try pruner(node, "study.pruner") }
        if let node = top["quality"] {
            let q = try section(node, "quality", ["focus_rate", "missing_tokens", "back_jump_rate", "accuracy", "failed_focus_rate"])
            if let n = q["focus_rate"] { settings.thresholds.alignedFocus = try yaml.double(n, "quality.focus_rate") }
            if let n = q["missing_tokens"] { settings.thresholds.maxMissingTokens = try yaml.double(n, "quality.missing_tokens") }
            if let n = q["back_jump_rate"] { settings.thresholds.maxBackJumpRate = try yaml.double(n, "quality.back_jump_rate") }
            if let n = q["accuracy"] { settings.thresholds.minimumAccuracy = try yaml.double(n, "quality.accuracy") }
            if let n = q["failed_focus_rate"] { settings.thresholds.failedFocus = try yaml.double(n, "quality.failed_focus_rate") }
        }
        if let node = top["objective"] { settings.objective = try objective(node) }
        if let node = top["early_stop"] { settings.earlyStop = try earlyStop(node) }
        if let node = top["restart"] { settings.restart = try restartPolicy(node, trainer: settings.trainer) }
        if let node = top["memory"] {
            let m = try section(node, "memory", ["trial_budget_mib"])
            if let n = m["trial_budget_mib"] { settings.memoryBudgetMiB = try yaml.double(n, "memory.trial_budget_mib") }
        }
        if let node = top["alerts"] {
            let a = try section(node, "alerts", ["telegram_chat", "webhook", "event_log"])
            if let n = a["telegram_chat"] { settings.alerts.telegramChat = try yaml.string(n, "alerts.telegram_chat") }
            if let n = a["webhook"] { settings.alerts.webhook = try yaml.string(n, "alerts.webhook") }
            if let n = a["event_log"] { settings.alerts.eventLog = try yaml.string(n, "alerts.event_log") }
        }
        if let node = top["tracking"] { settings.tracking = try tracking(node) }
        return settings
    }

    private mutating func trainer(_ node: Node) throws -> TrainerSettings {
        let t = try section(node, "trainer", ["type", "command", "adapter", "steps", "final_steps", "validation_interval", "checkpoint_interval",
                                              "directory", "fixed", "corpus", "corpus_seed", "heartbeat_timeout", "faults"])
        var settings = TrainerSettings()
        let type = try t["type"].map { try yaml.choice($0, "trainer.type", ["builtin": "builtin", "builtin_process": "builtin_process", "command": "command", "adapter": "adapter"]) } ?? "builtin"
        switch type {
        case "command":
            guard let command = t["command"] else { throw yaml.error(node, "trainer.command", "a command trainer needs command: [program, args…]") }
            settings.kind = .command(try yaml.strings(command, "trainer.command"))
        case "adapter":
            guard let command = t["command"] else { throw yaml.error(node, "trainer.command", "an adapter trainer needs command: [program, args…]") }
            guard let adapter = t["adapter"] else {
                throw yaml.error(node, "trainer.adapter", "an adapter trainer needs adapter: (a preset: \(AdapterPreset.allCases.map(\.rawValue).joined(separator: ", ")), and/or progress:, checkpoints:, resume: …; see docs/adapters.md)")
            }
            settings.kind = .adapted(try self.adapter(adapter, command: try yaml.strings(command, "trainer.command")))
        case "builtin_process":
            settings.kind = .builtin(childProcess: true)
        default:
            if t["command"] != nil { throw yaml.error(t["command"], "trainer.command", "only for type: command or adapter") }
        }
        if type != "adapter", let n = t["adapter"] { throw yaml.error(n, "trainer.adapter", "only for type: adapter") }
        if let n = t["steps"] { settings.steps = try yaml.int(n, "trainer.steps", range: 1...100_000_000) }
        if let n = t["final_steps"] { settings.finalSteps = try yaml.int(n, "trainer.final_steps", range: 1...100_000_000) }
        if let n = t["validation_interval"] { settings.validationInterval = try yaml.int(n, "trainer.validation_interval", range: 1...100_000_000) }
        if let n = t["checkpoint_interval"] { settings.checkpointInterval = try yaml.int(n, "trainer.checkpoint_interval", range: 0...100_000_000) }
        if let n = t["directory"] { settings.directory = try yaml.string(n, "trainer.directory") }
        if let n = t["corpus"] { settings.corpus = try yaml.choice(n, "trainer.corpus", ["standard": .standard, "miniature": .miniature]) }
        if let n = t["corpus_seed"] { settings.corpusSeed = UInt64(try yaml.int(n, "trainer.corpus_seed", range: 0...Int.max)) }
        if let n = t["heartbeat_timeout"] { settings.heartbeatTimeoutSeconds = try yaml.double(n, "trainer.heartbeat_timeout") }
        if let n = t["faults"] { settings.faults = try yaml.string(n, "trainer.faults") }
        if let n = t["fixed"] {
            for (name, key, value) in try yaml.anyMapping(n, "trainer.fixed") {
                remember(key, at: "trainer.fixed.\(name)")
                settings.fixed[name] = try yaml.double(value, "trainer.fixed.\(name)")
            }
        }
        return settings
    }

    private mutating func searchSpace(_ node: Node) throws -> SearchSpace {
        var parameters: [SearchSpace.Parameter] = []
        for (name, _, value) in try yaml.anyMapping(node, "search_space") {
            let path = "search_space.\(name)"
            let p = try section(value, path, ["type", "low", "high", "log", "step", "choices"])
            guard let typeNode = p["type"] else { throw yaml.error(value, "\(path).type", "missing; one of: float, int, categorical") }
            let type = try yaml.choice(typeNode, "\(path).type", ["float": 0, "int": 1, "categorical": 2])
            let log = try p["log"].map { try yaml.bool($0, "\(path).log") } ?? false
            func need(_ key: String) throws -> Node {
                guard let node = p[key] else { throw yaml.error(value, "\(path).\(key)", "missing; a \(type == 0 ? "float" : "int") needs low and high") }
                return node
            }
            let distribution: Distribution
            switch type {
            case 0:
                distribution = .float(low: try yaml.double(try need("low"), "\(path).low"), high: try yaml.double(try need("high"), "\(path).high"),
                                      log: log, step: try p["step"].map { try yaml.double($0, "\(path).step") })
            case 1:
                distribution = .int(low: try yaml.int(try need("low"), "\(path).low"), high: try yaml.int(try need("high"), "\(path).high"),
                                    log: log, step: try p["step"].map { try yaml.int($0, "\(path).step") } ?? 1)
            default:
                guard case .sequence(let list)? = p["choices"] else { throw yaml.error(value, "\(path).choices", "a categorical needs choices: [a, b, …]") }
                distribution = .categorical(try list.enumerated().map { index, item in
                    if let int = item.int, !(item.string ?? "").contains(".") { return .int(int) }
                    if let number = item.float ?? Double(item.string ?? "") { return .float(number) }
                    return .string(try yaml.string(item, "\(path).choices[\(index)]"))
                })
            }
            do { try distribution.validate(name: name) } catch { throw yaml.error(value, path, "\(error)") }
            parameters.append(.init(name, distribution))
        }
        guard !parameters.isEmpty else { throw yaml.error(node, "search_space", "needs at least one parameter") }
        return try SearchSpace(parameters)
    }

    private mutating func sampler(_ node: Node) throws -> SamplerSettings {
        let s = try section(node, "study.sampler", ["type", "startup_trials", "candidates", "multivariate", "constant_liar"])
        let type = try s["type"].map { try yaml.choice($0, "study.sampler.type", ["tpe": 0, "random": 1, "grid": 2]) } ?? 0
        if type != 0, let extra = s.keys.first(where: { $0 != "type" }) {
            throw yaml.error(s[extra], "study.sampler.\(extra)", "only for type: tpe")
        }
        switch type {
        case 1: return .random
        case 2: return .grid
        default:
            return .tpe(startupTrials: try s["startup_trials"].map { try yaml.int($0, "study.sampler.startup_trials", range: 0...100_000) } ?? 10,
                        candidates: try s["candidates"].map { try yaml.int($0, "study.sampler.candidates", range: 1...10_000) } ?? 24,
                        multivariate: try s["multivariate"].map { try yaml.bool($0, "study.sampler.multivariate") } ?? true,
                        constantLiar: try s["constant_liar"].map { try yaml.bool($0, "study.sampler.constant_liar") } ?? true)
        }
    }

    private mutating func pruner(_ node: Node, _ path: String) throws -> PrunerSettings {
        let keys = ["type", "startup_trials", "warmup_steps", "minimum_trials", "min_resource", "reduction_factor",
                    "min_early_stopping_rate", "lower", "upper", "patience", "min_delta", "wrapped"]
        let p = try section(node, path, keys)
        let type = try p["type"].map { try yaml.choice($0, "\(path).type", ["none": 0, "median": 1, "successive_halving": 2, "asha": 2, "threshold": 3, "patient": 4]) } ?? 1
        let allowed: [Int: Set<String>] = [0: [], 1: ["startup_trials", "warmup_steps", "minimum_trials"],
                                           2: ["min_resource", "reduction_factor", "min_early_stopping_rate"],
                                           3: ["lower", "upper", "warmup_steps"], 4: ["patience", "min_delta", "wrapped"]]
        if let extra = p.keys.first(where: { $0 != "type" && !(allowed[type] ?? []).contains($0) }) {
            throw yaml.error(p[extra], "\(path).\(extra)", "not an option of this pruner; it takes: \((allowed[type] ?? []).sorted().joined(separator: ", "))")
        }
        func int(_ key: String, _ fallback: Int, _ range: ClosedRange<Int> = 0...Int.max) throws -> Int {
            try p[key].map { try yaml.int($0, "\(path).\(key)", range: range) } ?? fallback
        }
        func double(_ key: String, _ fallback: Double) throws -> Double { try p[key].map { try yaml.double($0, "\(path).\(key)") } ?? fallback }
        switch type {
        case 0: return .none
        case 2: return .successiveHalving(minimumResource: try int("min_resource", 100, 1...Int.max), reductionFactor: try int("reduction_factor", 3, 2...100),
                                          minimumEarlyStoppingRate: try int("min_early_stopping_rate", 0))
        case 3: return .threshold(lower: try double("lower", -.infinity), upper: try double("upper", .infinity), warmupSteps: try int("warmup_steps", 0))
        case 4:
            guard let patience = p["patience"] else { throw yaml.error(node, "\(path).patience", "a patient pruner needs patience: N") }
            return .patient(wrapped: try p["wrapped"].map { try pruner($0, "\(path).wrapped") } ?? .none,
                            patience: try yaml.int(patience, "\(path).patience", range: 0...100_000), minDelta: try double("min_delta", 0))
        default:
            return .median(startupTrials: try int("startup_trials", 5), warmupSteps: try int("warmup_steps", 0), minimumTrials: try int("minimum_trials", 1, 1...Int.max))
        }
    }

    private mutating func objective(_ node: Node) throws -> TrialObjective {
        let o = try section(node, "objective", ["val_loss", "weights"])
        var weights = TrialObjective.standard.weights
        if let n = o["weights"] {
            weights = [:]
            for (name, key, value) in try yaml.anyMapping(n, "objective.weights") {
                remember(key, at: "objective.weights.\(name)")
                guard TrialObjective.termNames.contains(name) else {
                    throw yaml.error(key, "objective.weights.\(name)", "unknown term; valid terms: \(TrialObjective.termNames.joined(separator: ", "))")
                }
                weights[name] = try yaml.double(value, "objective.weights.\(name)")
            }
        }
        var names: [String]?
        if let n = o["val_loss"] {
            names = try yaml.strings(n, "objective.val_loss")
            if names?.isEmpty == true { throw yaml.error(n, "objective.val_loss", "needs at least one loss name, such as [mel, stop]") }
        }
        return try TrialObjective(weights: weights, validationLossNames: names)
    }

    private mutating func earlyStop(_ node: Node) throws -> EarlyStopPolicy {
        let e = try section(node, "early_stop", ["patience", "min_delta", "divergence_factor", "divergence_window", "gradient_norm_threshold",
                                                 "gradient_explosion_steps", "alignment_deadline", "alignment_grace_validations", "alignment_loss_validations", "overfitting_validations"])
        var policy = EarlyStopPolicy()
        if let n = e["patience"] { let v = try yaml.int(n, "early_stop.patience", range: 0...100_000); policy.patience = v == 0 ? nil : v }
        if let n = e["min_delta"] { policy.minDelta = try yaml.double(n, "early_stop.min_delta") }
        if let n = e["divergence_factor"] { policy.divergenceFactor = try yaml.double(n, "early_stop.divergence_factor") }
        if let n = e["divergence_window"] { policy.divergenceWindow = try yaml.int(n, "early_stop.divergence_window", range: 1...100_000) }
        if let n = e["gradient_norm_threshold"] { policy.gradientNormThreshold = try yaml.double(n, "early_stop.gradient_norm_threshold") }
        if let n = e["gradient_explosion_steps"] { policy.gradientExplosionSteps = try yaml.int(n, "early_stop.gradient_explosion_steps", range: 1...100_000) }
        if let n = e["alignment_deadline"] { let v = try yaml.int(n, "early_stop.alignment_deadline", range: 0...100_000_000); policy.alignmentDeadline = v == 0 ? nil : v }
        if let n = e["alignment_grace_validations"] { policy.alignmentGraceValidations = try yaml.int(n, "early_stop.alignment_grace_validations", range: 0...1_000) }
        if let n = e["alignment_loss_validations"] { policy.alignmentLossValidations = try yaml.int(n, "early_stop.alignment_loss_validations", range: 1...1_000) }
        if let n = e["overfitting_validations"] { policy.overfittingValidations = try yaml.int(n, "early_stop.overfitting_validations", range: 1...1_000) }
        return policy
    }
}
