/// A lifecycle event of a supervisor's children.
///
/// Every incarnation has exactly one start event (``started(_:generation:)`` or
/// ``restarted(_:generation:after:)``) and, by the time its supervisor has finished, exactly
/// one end event (``failed(_:)`` or ``stopped(_:generation:reason:)``).
public enum SupervisorEvent: Sendable, CustomStringConvertible {
    /// A child's first incarnation started (at supervisor start or by ``Supervisor/startChild(_:)``).
    case started(ChildID, generation: Int)
    /// A new incarnation started after a restart delay.
    case restarted(ChildID, generation: Int, after: Duration)
    /// An incarnation ended abnormally.
    case failed(ChildFailure)
    /// An incarnation ended normally, or was stopped by its supervisor.
    case stopped(ChildID, generation: Int, reason: StopReason)
    /// The supervisor gave up; it has stopped its children and is failing.
    case escalated(SupervisorEscalation)

    /// Why an incarnation ended without failing.
    public enum StopReason: Sendable, Hashable {
        /// Its body returned.
        case completed
        /// ``Supervisor/stopChild(_:)`` stopped it.
        case requested
        /// A sibling's restart stopped it (one-for-all or rest-for-one).
        case siblingRestart
        /// The supervisor shut down.
        case shutdown
        /// The supervisor escalated.
        case escalation
    }

    public var description: String {
        switch self {
        case .started(let id, let generation): return "started \(id)#\(generation)"
        case .restarted(let id, let generation, let delay): return "restarted \(id)#\(generation) after \(delay)"
        case .failed(let failure): return "failed \(failure)"
        case .stopped(let id, let generation, let reason): return "stopped \(id)#\(generation) (\(reason))"
        case .escalated(let escalation): return "escalated: \(escalation)"
        }
    }
}
