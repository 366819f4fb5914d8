import Optimization
import Training

/// How a finished trial ended, as the store keeps it: a supervised trial's outcome, or the
/// state an outside script told (`smart-tuner tell`). Stored as a code (`completed.budget`,
/// `failed.attentionCollapse`, `told.complete`) and read back typed.
public enum StoredOutcome: Sendable, Hashable, RawRepresentable, Codable, CustomStringConvertible {
    /// A trial the tuner supervised ended so.
    case supervised(TrialOutcome.Kind)
    /// An outside script told the trial's end.
    case told(TrialState)

    /// Reads a stored code; `nil` for a code this version does not know.
    public init?(rawValue: String) {
        if rawValue.hasPrefix(Self.toldPrefix) {
            guard let state = TrialState(rawValue: String(rawValue.dropFirst(Self.toldPrefix.count))) else { return nil }
            self = .told(state)
        } else {
            guard let kind = TrialOutcome.Kind(rawValue: rawValue) else { return nil }
            self = .supervised(kind)
        }
    }

    private static let toldPrefix = "told."

    /// The stored code.
    public var rawValue: String {
        switch self {
        case .supervised(let kind): return kind.rawValue
        case .told(let state): return Self.toldPrefix + state.rawValue
        }
    }

    /// In words: "completed (budget)", "failed: attention collapse", "told: complete".
    public var words: String {
        switch self {
        case .supervised(let kind): return kind.words
        case .told(let state): return "told: \(state.rawValue)"
        }
    }

    public var description: String { words }

    /// The supervised outcome, if the tuner supervised the trial.
    public var supervised: TrialOutcome.Kind? {
        if case .supervised(let kind) = self { return kind }
        return nil
    }
}
