/// How to run, stop and restart one child (Erlang/OTP child specification).
///
/// `Input` is what each incarnation receives: the initial ``input`` first, then whatever the
/// ``decider`` chooses at each restart.
public struct ChildSpec<Input: Sendable>: Sendable {
    /// The child's name, unique among its supervisor's live children.
    public var id: ChildID
    /// The first incarnation's input.
    public var input: Input
    /// When the child is restarted.
    public var restart: RestartType
    /// How the supervisor stops it.
    public var shutdown: ShutdownMode
    /// Whether its end (for good) can shut the supervisor down (see ``AutoShutdown``).
    public var significant: Bool
    /// Chooses how to restart it; `nil` restarts with the same input after the proposed delay.
    public var decider: RestartDecider<Input>?
    /// The child's body: one incarnation. Returning is a normal end; throwing is a failure.
    public var body: @Sendable (Incarnation<Input>) async throws -> Void

    /// Creates a child specification.
    public init(
        id: ChildID,
        input: Input,
        restart: RestartType = .permanent,
        shutdown: ShutdownMode = .graceful(timeout: .seconds(5)),
        significant: Bool = false,
        decider: RestartDecider<Input>? = nil,
        body: @escaping @Sendable (Incarnation<Input>) async throws -> Void
    ) {
        self.id = id
        self.input = input
        self.restart = restart
        self.shutdown = shutdown
        self.significant = significant
        self.decider = decider
        self.body = body
    }
}

extension ChildSpec where Input == Void {
    /// Creates a specification for a child that takes no input.
    public init(
        id: ChildID,
        restart: RestartType = .permanent,
        shutdown: ShutdownMode = .graceful(timeout: .seconds(5)),
        significant: Bool = false,
        decider: RestartDecider<Void>? = nil,
        body: @escaping @Sendable (Incarnation<Void>) async throws -> Void
    ) {
        self.init(id: id, input: (), restart: restart, shutdown: shutdown, significant: significant,
                  decider: decider, body: body)
    }

    /// A child that is itself a supervisor: each incarnation runs a fresh supervisor made by
    /// `make`, forwards graceful stop requests to it, and fails with its escalation.
    public static func supervisor(
        id: ChildID,
        restart: RestartType = .permanent,
        shutdown: ShutdownMode = .graceful(timeout: .seconds(30)),
        significant: Bool = false,
        make: @escaping @Sendable (Incarnation<Void>) -> Supervisor
    ) -> ChildSpec<Void> {
        ChildSpec(id: id, restart: restart, shutdown: shutdown, significant: significant) { incarnation in
            let child = make(incarnation)
            incarnation.shutdown.onRequest { child.shutdown() }
            try await child.run()
        }
    }
}

/// A child specification of any input type, for a supervisor's list of children.
public struct AnyChildSpec: Sendable {
    /// The child's name.
    public let id: ChildID
    let makeChild: @Sendable () -> any SupervisedChild

    /// Wraps a typed specification.
    public init<Input: Sendable>(_ spec: ChildSpec<Input>) {
        self.id = spec.id
        self.makeChild = { TypedChild(spec: spec) }
    }
}

/// What a supervisor's loop needs of a child, whatever its input type.
protocol SupervisedChild: AnyObject {
    var id: ChildID { get }
    var restart: RestartType { get }
    var shutdown: ShutdownMode { get }
    var significant: Bool { get }
    /// The body of the next incarnation, with the current input.
    func body(generation: Int, signal: ShutdownSignal) -> @Sendable () async throws -> Void
    /// Asks the decider; on a restart, keeps the chosen input for the next incarnation.
    func decide(_ context: RestartContextParts) -> ErasedDecision
}

/// The input-independent parts of a ``RestartContext``.
struct RestartContextParts {
    let generation: Int
    let reason: TerminationReason
    let history: [RestartRecord]
    let restartCount: Int
    let proposedDelay: Duration
    let now: Duration
}

enum ErasedDecision {
    case restart(after: Duration)
    case stop
    case escalate
}

/// A child with a concrete input type. Owned by one supervisor loop; never shared.
final class TypedChild<Input: Sendable>: SupervisedChild {
    let spec: ChildSpec<Input>
    private var input: Input

    init(spec: ChildSpec<Input>) {
        self.spec = spec
        self.input = spec.input
    }

    var id: ChildID { spec.id }
    var restart: RestartType { spec.restart }
    var shutdown: ShutdownMode { spec.shutdown }
    var significant: Bool { spec.significant }

    func body(generation: Int, signal: ShutdownSignal) -> @Sendable () async throws -> Void {
        let incarnation = Incarnation(childID: spec.id, generation: generation, input: input, shutdown: signal)
        let run = spec.body
        return { try await run(incarnation) }
    }

    func decide(_ parts: RestartContextParts) -> ErasedDecision {
        guard let decider = spec.decider else { return .restart(after: parts.proposedDelay) }
        let context = RestartContext(
            childID: spec.id, generation: parts.generation, reason: parts.reason, input: input,
            history: parts.history, restartCount: parts.restartCount, proposedDelay: parts.proposedDelay, now: parts.now)
        switch decider(context) {
        case .restart(let newInput, let delay):
            input = newInput
            return .restart(after: max(.zero, delay))
        case .stop:
            return .stop
        case .escalate:
            return .escalate
        }
    }
}
