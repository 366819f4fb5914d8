/// Why one incarnation of a child ended on its own (not because its supervisor stopped it).
public enum TerminationReason: Sendable, CustomStringConvertible {
    /// The child's body returned normally.
    case completed
    /// The child's body threw, or was cancelled without its supervisor asking.
    case failed(ChildFailure)

    /// The failure, if the child ended abnormally.
    public var failure: ChildFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }

    public var description: String {
        switch self {
        case .completed: return "completed"
        case .failed(let failure): return failure.description
        }
    }
}

/// An abnormal end of one incarnation of a child.
public struct ChildFailure: Error, Sendable, CustomStringConvertible {
    /// What ended the incarnation.
    public enum Cause: Sendable {
        /// The child's body threw this error.
        case threw(any Error)
        /// The child's body ended with `CancellationError` although nobody asked it to stop.
        case cancelled
    }

    /// The child that failed.
    public let childID: ChildID
    /// The incarnation that failed.
    public let generation: Int
    /// What ended it.
    public let cause: Cause

    /// Creates a failure record.
    public init(childID: ChildID, generation: Int, cause: Cause) {
        self.childID = childID
        self.generation = generation
        self.cause = cause
    }

    /// The thrown error, when the cause is an error.
    public var error: (any Error)? {
        if case .threw(let error) = cause { return error }
        return nil
    }

    public var description: String {
        switch cause {
        case .threw(let error): return "\(childID)#\(generation) threw \(String(describing: error))"
        case .cancelled: return "\(childID)#\(generation) was cancelled"
        }
    }
}
