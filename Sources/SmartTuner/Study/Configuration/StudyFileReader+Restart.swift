import TinyTacotron
import Yams

/// The `restart` section: the per-trial restart limit and smart restart's rules (DESIGN §4) as
/// configuration, cause → parameter → operation → bounds, and where to resume:
///
/// ```yaml
/// restart:
///   max_restarts_per_trial: 2
///   rules:
///     nonFinite:
///       adjust:
///         learning_rate: {multiply: 0.3, min: 1.0e-6}
///       resume: last_good_checkpoint
/// ```
///
/// A cause named under `rules` keeps its default rule except for what it gives: `adjust`
/// replaces the default adjustments (in the order written; `{}` for none), `resume` the default
/// resume point.
extension StudyFileReader {
    /// The names `resume` takes.
    static let resumePoints: [String: ResumePoint] = [
        "last_good_checkpoint": .lastGoodCheckpoint, "before_spike": .beforeSpike,
        "last_aligned_or_scratch": .lastAlignedOrScratch, "scratch": .scratch,
    ]

    /// The study's restart policy: the defaults of DESIGN §4 with the section's changes.
    mutating func restartPolicy(_ node: Node, trainer: TrainerSettings) throws -> RestartPolicy {
        let restart = try section(node, "restart", ["max_restarts_per_trial", "rules"])
        var policy = RestartPolicy.standard
        if let n = restart["max_restarts_per_trial"] {
            policy.maxRestartsPerTrial = try yaml.int(n, "restart.max_restarts_per_trial", range: 0...100)
        }
        guard let rulesNode = restart["rules"] else { return policy }
        let rules = try section(rulesNode, "restart.rules", FailureCause.restartableCases.map(\.rawValue))
        for cause in FailureCause.restartableCases {
            guard let ruleNode = rules[cause.rawValue] else { continue }
            let path = "restart.rules.\(cause.rawValue)"
            let keys = try section(ruleNode, path, ["adjust", "resume"])
            var rule = policy.rules[cause] ?? RestartRule([], resume: .lastGoodCheckpoint)
            if let n = keys["resume"] { rule.resume = try yaml.choice(n, "\(path).resume", Self.resumePoints) }
            if let n = keys["adjust"] { rule.adjustments = try adjustments(n, "\(path).adjust", trainer: trainer) }
            policy.rules[cause] = rule
        }
        return policy
    }

    /// `name: {multiply|add|set: x, min?, max?, integer?}` for each parameter, in order. For the
    /// built-in trainer the name must be a TinyTacotron hyperparameter, `set`, `min` and `max`
    /// valid values of it, and `integer` defaults to whether it takes whole numbers.
    private mutating func adjustments(_ node: Node, _ path: String, trainer: TrainerSettings) throws -> [ParameterAdjustment] {
        var result: [ParameterAdjustment] = []
        for (name, key, value) in try yaml.anyMapping(node, path) {
            let at = "\(path).\(name)"
            remember(key, at: at)
            let keys = try section(value, at, ["multiply", "add", "set", "min", "max", "integer"])
            let operations = ["multiply", "add", "set"].filter { keys[$0] != nil }
            guard operations.count == 1, let operationName = operations.first, let operationNode = keys[operationName] else {
                throw yaml.error(value, at, "give exactly one of multiply, add or set, e.g. {multiply: 0.5, min: 1.0e-6}")
            }
            func number(_ key: String, _ node: Node) throws -> Double {
                let number = try yaml.double(node, "\(at).\(key)")
                guard number.isFinite else { throw yaml.error(node, "\(at).\(key)", "must be a finite number") }
                return number
            }
            let amount = try number(operationName, operationNode)
            let operation: ParameterAdjustment.Operation
            switch operationName {
            case "multiply":
                guard amount > 0 else { throw yaml.error(operationNode, "\(at).multiply", "a factor must be > 0; to give a fixed value use set") }
                operation = .multiply(amount)
            case "add": operation = .add(amount)
            default: operation = .set(amount)
            }
            let minimum = try keys["min"].map { try number("min", $0) }
            let maximum = try keys["max"].map { try number("max", $0) }
            if let minimum, let maximum, minimum > maximum {
                throw yaml.error(value, at, "min \(minimum) is above max \(maximum)")
            }
            var integer = try keys["integer"].map { try yaml.bool($0, "\(at).integer") }
            if case .builtin = trainer.kind {
                guard let spec = TacotronHyperparameters.specs.first(where: { $0.name == name }) else {
                    throw yaml.error(key, at, "\(HyperparameterError.unknown(name: name, valid: TacotronHyperparameters.specs.map(\.name)))")
                }
                integer = integer ?? spec.isInteger
                for (bound, limit) in [("set", operationName == "set" ? amount : nil), ("min", minimum), ("max", maximum)] {
                    guard let limit else { continue }
                    do { _ = try TacotronHyperparameters(trainer.fixed.merging([name: limit]) { $1 }) } catch {
                        throw yaml.error(keys[bound], "\(at).\(bound)", "\(error)")
                    }
                }
            }
            result.append(ParameterAdjustment(name, operation, minimum: minimum, maximum: maximum, integer: integer ?? false))
        }
        return result
    }
}
