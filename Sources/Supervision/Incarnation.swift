/// One run of a child: what its start closure receives.
///
/// Each restart creates a new incarnation with the next generation number and the input the
/// restart decider chose. Messages a child sends should carry its generation, so that
/// receivers can drop what a previous incarnation sent late (see ``Mailbox``).
public struct Incarnation<Input: Sendable>: Sendable {
    /// The child this is an incarnation of.
    public let childID: ChildID
    /// 0 for the first start, increased by one at every restart.
    public let generation: Int
    /// The input chosen for this incarnation (the spec's initial input, or the decider's choice).
    public let input: Input
    /// Fires when the supervisor asks this incarnation to stop gracefully.
    public let shutdown: ShutdownSignal

    /// Creates an incarnation. Supervisors do this; tests of a child body may too.
    public init(childID: ChildID, generation: Int, input: Input, shutdown: ShutdownSignal = ShutdownSignal()) {
        self.childID = childID
        self.generation = generation
        self.input = input
        self.shutdown = shutdown
    }
}
