/// The error a supervisor fails with when it gives up: restart intensity was exceeded or a
/// decider escalated. Its parent supervisor treats it as the failure of a child.
public struct SupervisorEscalation: Error, Sendable, CustomStringConvertible {
    /// The supervisor that gave up.
    public let supervisor: String
    /// The child whose end triggered it.
    public let childID: ChildID
    /// Why: the intensity limit, or the decider.
    public let trigger: Trigger
    /// The ends that counted toward it, oldest first (those within the intensity period).
    public let causes: [TerminationReason]

    /// What made the supervisor give up.
    public enum Trigger: Sendable, Hashable {
        /// More than `maxRestarts` restarts within `period`.
        case intensityExceeded(maxRestarts: Int, period: Duration)
        /// The child's restart decider answered ``RestartDecision/escalate``.
        case decider
    }

    public var description: String {
        let why: String
        switch trigger {
        case .intensityExceeded(let maxRestarts, let period):
            why = "more than \(maxRestarts) restarts within \(period)"
        case .decider:
            why = "its restart decider escalated"
        }
        let list = causes.map(\.description).joined(separator: "; ")
        return "supervisor '\(supervisor)' gave up on child '\(childID)': \(why); causes: [\(list)]"
    }
}
