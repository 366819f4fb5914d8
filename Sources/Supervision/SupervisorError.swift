/// Errors of the supervisor's own API (not failures of children).
public enum SupervisorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// ``Supervisor/run()`` was called while it was already running or after it finished.
    case alreadyRun(supervisor: String)
    /// A child with this id is already running or waiting to restart.
    case duplicateChild(ChildID, supervisor: String)
    /// No child with this id.
    case noSuchChild(ChildID, supervisor: String)
    /// The supervisor has finished; it starts and stops nothing any more.
    case notRunning(supervisor: String)

    public var description: String {
        switch self {
        case .alreadyRun(let name):
            return "supervisor '\(name)' has already been run; a supervisor runs once (make a new one to run again)"
        case .duplicateChild(let id, let name):
            return "supervisor '\(name)' already has a live child '\(id)'; child ids must be unique among live children"
        case .noSuchChild(let id, let name):
            return "supervisor '\(name)' has no child '\(id)'"
        case .notRunning(let name):
            return "supervisor '\(name)' has finished and accepts no more commands"
        }
    }
}
