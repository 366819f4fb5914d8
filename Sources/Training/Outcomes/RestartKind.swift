/// How a trial's next incarnation was started after a failure (protocol 2, docs/protocol.md).
public enum RestartKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// In the same worker process: it reloaded the checkpoint and rebuilt its optimizer
    /// without paying for imports, start-up and data loading again.
    case hot
    /// A fresh trainer: a new process (or, for the built-in trainer in the tuner's process, a
    /// new model loaded from the checkpoint).
    case cold

    /// The kind in words.
    public var words: String { self == .hot ? "hot, same process" : "cold, fresh trainer" }
}

extension FailureCause {
    /// Whether a worker that can restart in place may do so after this failure: the process is
    /// sound and only its numbers went wrong (non-finite values, divergence, gradient explosion,
    /// attention collapse). A crash, a hang or running out of memory always gets a new process.
    public var allowsHotRestart: Bool {
        switch self {
        case .nonFinite, .divergence, .gradientExplosion, .attentionCollapse: return true
        case .outOfMemory, .hang, .crash, .trainerFault: return false
        }
    }
}
