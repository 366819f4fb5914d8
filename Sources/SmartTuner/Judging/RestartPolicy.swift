/// One change a restart rule makes to a hyperparameter: multiply, add or set, then clamp.
public struct ParameterAdjustment: Sendable, Hashable, Codable {
    /// What to do to the value.
    public enum Operation: Sendable, Hashable, Codable {
        /// value × factor
        case multiply(Double)
        /// value + amount
        case add(Double)
        /// a fixed value
        case set(Double)
    }

    /// The hyperparameter's name.
    public var parameter: String
    /// The change.
    public var operation: Operation
    /// The smallest result allowed (a floor), if any.
    public var minimum: Double?
    /// The largest result allowed (a cap), if any.
    public var maximum: Double?
    /// Whether the result is rounded to a whole number (rounding down for shrinking factors).
    public var integer: Bool

    /// Creates an adjustment.
    public init(_ parameter: String, _ operation: Operation, minimum: Double? = nil, maximum: Double? = nil,
                integer: Bool = false) {
        self.parameter = parameter
        self.operation = operation
        self.minimum = minimum
        self.maximum = maximum
        self.integer = integer
    }

    /// The adjusted value.
    public func apply(to value: Double) -> Double {
        var result: Double
        switch operation {
        case .multiply(let factor): result = value * factor
        case .add(let amount): result = value + amount
        case .set(let fixed): result = fixed
        }
        if integer { result = result < value ? result.rounded(.down) : result.rounded(.up) }
        if let minimum { result = max(minimum, result) }
        if let maximum { result = min(maximum, result) }
        return result
    }
}

/// Where a restarted incarnation starts from.
public enum ResumePoint: String, Sendable, Hashable, Codable {
    /// The newest checkpoint that verifies and whose metrics were finite.
    case lastGoodCheckpoint
    /// The newest good checkpoint written before the loss spike began.
    case beforeSpike
    /// From scratch if the trial never aligned, else the newest good checkpoint taken while aligned.
    case lastAlignedOrScratch
    /// From scratch.
    case scratch
}

/// What to do about one failure cause.
public struct RestartRule: Sendable, Hashable, Codable {
    /// The hyperparameter changes, applied in order.
    public var adjustments: [ParameterAdjustment]
    /// Where the next incarnation starts.
    public var resume: ResumePoint

    /// Creates a rule.
    public init(_ adjustments: [ParameterAdjustment], resume: ResumePoint) {
        self.adjustments = adjustments
        self.resume = resume
    }
}

/// The result of applying a rule: new hyperparameters, what changed, and where to resume.
public struct RestartPlan: Sendable, Hashable, Codable {
    /// The hyperparameters of the next incarnation.
    public let hyperparameters: [String: Double]
    /// What changed (only real changes).
    public let changes: [ParameterChange]
    /// Adjusted parameters the trial does not have (the rule names them; the trainer does not).
    public let skipped: [String]
    /// Where to resume.
    public let resume: ResumePoint
}

/// Smart restart as configuration (DESIGN §4): for each failure cause, which hyperparameters
/// change how, within which bounds, and where the next incarnation resumes.
public struct RestartPolicy: Sendable, Hashable, Codable {
    /// The rule per cause.
    public var rules: [FailureCause: RestartRule]
    /// Restarts allowed per trial before it is given up.
    public var maxRestartsPerTrial: Int

    /// Creates a policy.
    public init(rules: [FailureCause: RestartRule], maxRestartsPerTrial: Int = 3) {
        self.rules = rules
        self.maxRestartsPerTrial = max(0, maxRestartsPerTrial)
    }

    /// The defaults of DESIGN §4.
    public static let standard = RestartPolicy(rules: [
        .nonFinite: RestartRule([
            ParameterAdjustment("learning_rate", .multiply(0.5), minimum: 1e-7),
            ParameterAdjustment("grad_clip", .multiply(0.5), minimum: 0.05),
        ], resume: .lastGoodCheckpoint),
        .divergence: RestartRule([ParameterAdjustment("learning_rate", .multiply(0.5), minimum: 1e-7)], resume: .beforeSpike),
        .gradientExplosion: RestartRule([
            ParameterAdjustment("grad_clip", .multiply(0.5), minimum: 0.05),
            ParameterAdjustment("learning_rate", .multiply(0.7), minimum: 1e-7),
        ], resume: .lastGoodCheckpoint),
        .attentionCollapse: RestartRule([
            // From 0 (guided attention off) doubling would stay 0: the floor turns it on.
            ParameterAdjustment("guided_attention_weight", .multiply(2), minimum: 1, maximum: 10),
            ParameterAdjustment("learning_rate", .multiply(0.7), minimum: 1e-7),
        ], resume: .lastAlignedOrScratch),
        .outOfMemory: RestartRule([
            ParameterAdjustment("batch_size", .multiply(0.5), minimum: 1, integer: true),
            ParameterAdjustment("gradient_accumulation", .multiply(2), maximum: 64, integer: true),
        ], resume: .lastGoodCheckpoint),
        .hang: RestartRule([], resume: .lastGoodCheckpoint),
        .crash: RestartRule([], resume: .lastGoodCheckpoint),
    ])

    /// How to restart after `cause`, given the failed incarnation's hyperparameters.
    public func plan(after cause: FailureCause, hyperparameters: [String: Double]) -> RestartPlan {
        let rule = rules[cause] ?? RestartRule([], resume: .lastGoodCheckpoint)
        var next = hyperparameters
        var changes: [ParameterChange] = []
        var skipped: [String] = []
        for adjustment in rule.adjustments {
            guard let value = next[adjustment.parameter] else {
                skipped.append(adjustment.parameter)
                continue
            }
            let adjusted = adjustment.apply(to: value)
            if adjusted != value {
                changes.append(ParameterChange(name: adjustment.parameter, from: value, to: adjusted))
                next[adjustment.parameter] = adjusted
            }
        }
        return RestartPlan(hyperparameters: next, changes: changes, skipped: skipped, resume: rule.resume)
    }
}

extension FailureCause: CodingKeyRepresentable {}
