/// What a decider tells the supervisor to do with a child that is due for a restart.
public enum RestartDecision<Input: Sendable>: Sendable {
    /// Start a new incarnation with `input` after `after` (counted toward restart intensity).
    case restart(input: Input, after: Duration)
    /// Do not restart; the child ends here (a significant child may shut its supervisor down).
    case stop
    /// Give up: the supervisor stops all children and fails, naming this child.
    case escalate
}

/// One earlier restart of a child, as a decider sees it in ``RestartContext/history``.
public struct RestartRecord: Sendable {
    /// The generation that ended.
    public let generation: Int
    /// Why it ended.
    public let reason: TerminationReason
    /// When it ended, as elapsed time on the supervisor's clock.
    public let at: Duration
    /// The delay the restart waited.
    public let delay: Duration

    /// How many of a child's most recent restarts its history keeps.
    public static let keptPerChild = 64
}

/// Everything a decider knows when a child is due for a restart.
public struct RestartContext<Input: Sendable>: Sendable {
    /// The child due for a restart.
    public let childID: ChildID
    /// The generation that just ended.
    public let generation: Int
    /// Why it ended.
    public let reason: TerminationReason
    /// The input the ended generation ran with.
    public let input: Input
    /// This child's most recent earlier restarts, oldest first (at most
    /// ``RestartRecord/keptPerChild``).
    public let history: [RestartRecord]
    /// How many times this child has been restarted in all.
    public let restartCount: Int
    /// The delay the supervisor's ``Backoff`` proposes for this restart.
    public let proposedDelay: Duration
    /// Elapsed time on the supervisor's clock when the generation ended.
    public let now: Duration
}

/// Decides how a child is restarted: the hook where domain rules (such as SmartTuner's smart
/// restart) turn a failure into adjusted input.
public typealias RestartDecider<Input: Sendable> = @Sendable (RestartContext<Input>) -> RestartDecision<Input>
