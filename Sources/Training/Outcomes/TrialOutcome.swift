/// How a trial ended.
public enum TrialOutcome: Sendable, Hashable, CustomStringConvertible {
    /// It ran its budget, or stopped early without failing.
    case completed(reason: CompletionReason, step: Int)
    /// The pruner stopped it.
    case pruned(step: Int, evidence: Evidence)
    /// It failed and was not (or no longer) restarted.
    case failed(cause: FailureCause, evidence: Evidence)
    /// Restarts across the session exceeded their intensity; the session escalated.
    case escalated(String)

    /// Why a completed trial completed.
    public enum CompletionReason: String, Sendable, Hashable, Codable, CaseIterable {
        /// The step budget was done.
        case budget
        /// The objective stopped improving.
        case converged
        /// Validation worsened while the gap grew.
        case overfitting
        /// It was asked to stop.
        case stopped
    }

    /// The outcome's code as stored and in `--json`, such as `completed.budget` or
    /// `failed.attentionCollapse` (``Kind``'s raw value).
    public var kind: String { outcomeKind.rawValue }

    /// The outcome without its details.
    public var outcomeKind: Kind {
        switch self {
        case .completed(let reason, _): return .completed(reason)
        case .pruned: return .pruned
        case .failed(let cause, _): return .failed(cause)
        case .escalated: return .escalated
        }
    }

    /// Whether the trial completed (budget, converged, overfitting or stopped).
    public var isCompleted: Bool {
        if case .completed = self { return true }
        return false
    }

    /// The outcome in words, with its step or evidence: "completed (budget) at step 1500",
    /// "failed: attention collapse: not aligned by the deadline …".
    public var description: String {
        switch self {
        case .completed(_, let step): return "\(outcomeKind.words) at step \(step)"
        case .pruned(let step, let evidence): return "pruned at step \(step): \(evidence)"
        case .failed(_, let evidence): return "\(outcomeKind.words): \(evidence)"
        case .escalated(let why): return "escalated: \(why)"
        }
    }

    /// An outcome without its details: what the store keeps as a code, and what people read
    /// as words.
    public enum Kind: Sendable, Hashable, RawRepresentable, Codable, CustomStringConvertible {
        /// Completed, for a reason.
        case completed(CompletionReason)
        /// Pruned.
        case pruned
        /// Failed, of a cause.
        case failed(FailureCause)
        /// The session escalated.
        case escalated

        /// Reads a stored code (`completed.budget`, `pruned`, `failed.nonFinite`, `escalated`).
        public init?(rawValue: String) {
            let parts = rawValue.split(separator: ".", maxSplits: 1).map(String.init)
            switch (parts.first, parts.count > 1 ? parts[1] : nil) {
            case ("completed", let reason?): guard let reason = CompletionReason(rawValue: reason) else { return nil }; self = .completed(reason)
            case ("failed", let cause?): guard let cause = FailureCause(rawValue: cause) else { return nil }; self = .failed(cause)
            case ("pruned", nil): self = .pruned
            case ("escalated", nil): self = .escalated
            default: return nil
            }
        }

        /// The stored code.
        public var rawValue: String {
            switch self {
            case .completed(let reason): return "completed.\(reason.rawValue)"
            case .pruned: return "pruned"
            case .failed(let cause): return "failed.\(cause.rawValue)"
            case .escalated: return "escalated"
            }
        }

        /// In words: "completed (budget)", "failed: attention collapse", "pruned", "escalated".
        public var words: String {
            switch self {
            case .completed(let reason): return "completed (\(reason.rawValue))"
            case .pruned: return "pruned"
            case .failed(let cause): return "failed: \(cause.words)"
            case .escalated: return "escalated"
            }
        }

        public var description: String { words }

        /// Whether it is a completion.
        public var isCompleted: Bool {
            if case .completed = self { return true }
            return false
        }

        /// Whether it is a failure.
        public var isFailed: Bool {
            if case .failed = self { return true }
            return false
        }
    }
}
