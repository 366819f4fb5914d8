import Alignment

/// The value a study minimises for a trial (DESIGN §6): a weighted sum of named metrics.
///
/// Names are the metric names of DESIGN §5, `val_loss`, and `alignment_penalty`,
/// 1 − F·(1 − M)·(1 − B). The default is `val_loss + 1·alignment_penalty + 0.5·stop_error`.
///
/// `val_loss` judges the model, not its regularisers (DESIGN §6): it is the sum of the
/// validation loss components named by ``validationLossNames`` — for the built-in trainer mel
/// and stop, never the guided-attention penalty a study may search — or, where no names are
/// given, the trainer's `total`.
public struct TrialObjective: Sendable, Hashable, Codable {
    /// Weight per term name.
    public var weights: [String: Double]
    /// The loss components whose sum is `val_loss` (`nil`: the trainer's `total`, else the sum
    /// of all its components).
    public var validationLossNames: [String]?

    /// The components that make the built-in trainer's `val_loss`: reconstruction (mel) and
    /// stop token, not the guided-attention penalty.
    public static let builtinValidationLoss = ["mel", "stop"]

    /// Names a term may have.
    public static let termNames = ["val_loss", "alignment_penalty", "focus_rate", "coverage", "diagonality",
                                   "back_jump_rate", "skip_rate", "missing_tokens", "entropy", "drift", "stop_error",
                                   "accuracy"]

    /// The default objective.
    public static let standard = TrialObjective(uncheckedWeights: ["val_loss": 1, "alignment_penalty": 1, "stop_error": 0.5])

    /// An objective with `weights`, whose `val_loss` sums `validationLossNames`.
    /// - Throws: ``Error/unknownTerm(_:)`` for a name that is not a term.
    public init(weights: [String: Double], validationLossNames: [String]? = nil) throws {
        for name in weights.keys where !Self.termNames.contains(name) {
            throw Error.unknownTerm(name)
        }
        self.weights = weights
        self.validationLossNames = validationLossNames
    }

    /// `val_loss` of a validation's (or a step's) loss components: the named ones added in
    /// name order, or the `total`. Returns the names it lacks instead, when it lacks any.
    public func validationLoss(of losses: [String: Double]) -> Result<Double, MissingLosses> {
        guard let names = validationLossNames else {
            return .success(losses["total"] ?? losses.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value })
        }
        let missing = names.filter { losses[$0] == nil }
        guard missing.isEmpty else { return .failure(MissingLosses(missing: missing, reported: losses.keys.sorted(), named: names)) }
        return .success(names.sorted().reduce(0) { $0 + (losses[$1] ?? 0) })
    }

    /// Loss components the objective's `val_loss` names but a trainer did not report.
    public struct MissingLosses: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// The names missing.
        public let missing: [String]
        /// The names the trainer reported.
        public let reported: [String]
        /// The names `val_loss` sums.
        public let named: [String]

        public var description: String {
            "the losses have no \(missing.map { "'\($0)'" }.joined(separator: ", ")) (reported: \(reported.joined(separator: ", "))); "
                + "the study's objective.val_loss sums \(named.joined(separator: ", ")): report those, or name the ones the trainer reports"
        }
    }

    private init(uncheckedWeights: [String: Double]) {
        weights = uncheckedWeights
        validationLossNames = nil
    }

    /// A term name that is not known.
    public enum Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// The unknown name.
        case unknownTerm(String)

        public var description: String {
            switch self {
            case .unknownTerm(let name):
                return "unknown objective term '\(name)'; valid terms: \(TrialObjective.termNames.joined(separator: ", "))"
            }
        }
    }

    /// The objective of a validation (lower is better). Missing optional metrics count as 0.
    /// Terms are added in the order of ``termNames``, never in the dictionary's order (which
    /// differs from process to process), so every process gets the same value to the last bit.
    public func value(validationLoss: Double, metrics: AlignmentMetrics) -> Double {
        Self.termNames.reduce(0) { total, name in
            weights[name].map { total + $0 * Self.term(name, validationLoss, metrics) } ?? total
        }
    }

    static func term(_ name: String, _ loss: Double, _ m: AlignmentMetrics) -> Double {
        if m.measurement == .focusRateOnly {
            // Only F is known: the penalty is what F alone says, the other terms count 0.
            switch name {
            case "val_loss": return loss
            case "alignment_penalty": return 1 - m.focusRate
            case "focus_rate": return m.focusRate
            default: return 0
            }
        }
        switch name {
        case "val_loss": return loss
        case "alignment_penalty": return 1 - m.focusRate * (1 - m.missingTokens) * (1 - m.backJumpRate)
        case "focus_rate": return m.focusRate
        case "coverage": return m.coverage
        case "diagonality": return m.diagonality
        case "back_jump_rate": return m.backJumpRate
        case "skip_rate": return m.skipRate
        case "missing_tokens": return m.missingTokens
        case "entropy": return m.entropy
        case "drift": return m.drift
        case "stop_error": return m.stopError ?? 0
        case "accuracy": return m.accuracy ?? 0
        default: return 0
        }
    }
}
