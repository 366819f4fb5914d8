/// Why a trial incarnation failed (DESIGN §4). Each cause has a default adjustment rule.
public enum FailureCause: String, Sendable, Hashable, Codable, CaseIterable {
    /// NaN or infinity in a loss or the gradient norm.
    case nonFinite
    /// The loss rose far above its recent moving average.
    case divergence
    /// The gradient norm stayed over its threshold for several steps.
    case gradientExplosion
    /// Not aligned by the alignment deadline, or alignment lost after it was reached.
    case attentionCollapse
    /// Over the memory budget, killed by the OOM killer, or an allocation failed.
    case outOfMemory
    /// No heartbeat within the timeout.
    case hang
    /// A thrown error, a non-zero exit or a signal.
    case crash
    /// The trainer reported data that cannot be judged (attention of the wrong shape, NaN or
    /// negative weights, rows that are not distributions): the trainer's fault, not the
    /// training's. No restart rule applies: the same trainer would send the same data again.
    case trainerFault

    /// The cause in words: "non-finite values", "attention collapse", …
    public var words: String {
        switch self {
        case .nonFinite: return "non-finite values"
        case .divergence: return "divergence"
        case .gradientExplosion: return "gradient explosion"
        case .attentionCollapse: return "attention collapse"
        case .outOfMemory: return "out of memory"
        case .hang: return "hang"
        case .crash: return "crash"
        case .trainerFault: return "trainer fault"
        }
    }

    /// Whether a restart can help: every cause but ``trainerFault``.
    public var restartable: Bool { self != .trainerFault }

    /// The causes a restart rule can name (`restart.rules.<cause>`).
    public static var restartableCases: [FailureCause] { allCases.filter(\.restartable) }
}
