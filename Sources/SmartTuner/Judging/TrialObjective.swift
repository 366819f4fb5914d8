import Alignment

/// The value a study minimises for a trial (DESIGN §6): a weighted sum of named metrics.
///
/// Names are the metric names of DESIGN §5, `val_loss`, and `alignment_penalty`,
/// 1 − F·(1 − M)·(1 − B). The default is `val_loss + 1·alignment_penalty + 0.5·stop_error`.
public struct TrialObjective: Sendable, Hashable, Codable {
    /// Weight per term name.
    public var weights: [String: Double]

    /// Names a term may have.
    public static let termNames = ["val_loss", "alignment_penalty", "focus_rate", "coverage", "diagonality",
                                   "back_jump_rate", "skip_rate", "missing_tokens", "entropy", "drift", "stop_error",
                                   "accuracy"]

    /// The default objective.
    public static let standard = TrialObjective(uncheckedWeights: ["val_loss": 1, "alignment_penalty": 1, "stop_error": 0.5])

    /// An objective with `weights`.
    /// - Throws: ``Error/unknownTerm(_:)`` for a name that is not a term.
    public init(weights: [String: Double]) throws {
        for name in weights.keys where !Self.termNames.contains(name) {
            throw Error.unknownTerm(name)
        }
        self.weights = weights
    }

    private init(uncheckedWeights: [String: Double]) { weights = uncheckedWeights }

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
