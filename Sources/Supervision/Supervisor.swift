import ServiceLifecycle
import Synchronization

/// Runs children, and restarts, stops or escalates them as its strategy says (Erlang/OTP
/// `supervisor`, on Swift structured concurrency).
///
/// All decisions of one supervisor are taken in one loop, one event at a time: child exits,
/// restart timers, commands and shutdown requests queue up and are handled in order, so
/// reentrancy can never restart a child twice. ``run()`` returns when the supervisor shuts
/// down (graceful shutdown, ``shutdown()``, or auto-shutdown), throws
/// ``SupervisorEscalation`` when it gives up, and throws `CancellationError` when its task is
/// cancelled; in every case its children have ended before it returns.
///
/// A supervisor is a `Service`: under a `ServiceGroup`, SIGTERM or SIGINT stops its children
/// gracefully in reverse start order.
public final class Supervisor: Service, Sendable {
    /// The supervisor's name, used in events, errors and logs.
    public let name: String
    /// Strategy, intensity, backoff, clock and seed.
    public let options: SupervisorOptions
    private let initialChildren: [AnyChildSpec]
    private let inbox: AsyncStream<SupervisorInput>
    private let inboxContinuation: AsyncStream<SupervisorInput>.Continuation
    private let broadcast = EventBroadcast<SupervisorEvent>()
    private let hasRun = Mutex(false)

    /// Creates a supervisor that will start `children` in order when run.
    ///
    /// The inbox is unbounded by type but bounded by construction: each incarnation posts one
    /// exit, each restart delay one timer event, and each command's caller waits for its reply.
    public init(name: String, options: SupervisorOptions = SupervisorOptions(), children: [AnyChildSpec] = []) {
        self.name = name
        self.options = options
        self.initialChildren = children
        (self.inbox, self.inboxContinuation) = AsyncStream.makeStream(of: SupervisorInput.self)
    }

    /// Subscribes to lifecycle events from now on. Subscribe before ``run()`` to see them all.
    /// The stream ends when the supervisor has finished.
    public func events() -> EventStream<SupervisorEvent> {
        broadcast.subscribe(capacity: options.eventBufferCapacity)
    }

    /// Runs the supervisor until it shuts down, escalates or is cancelled. Runs once.
    public func run() async throws {
        let firstRun = hasRun.withLock { ran -> Bool in
            defer { ran = true }
            return !ran
        }
        guard firstRun else { throw SupervisorError.alreadyRun(supervisor: name) }

        // The loop runs in its own task so that cancellation reaches it as an event, in order
        // with everything else, instead of ending its inbox iteration mid-decision.
        let loop = Task { [name, options, initialChildren, inbox, inboxContinuation, broadcast] in
            let core = SupervisorLoop(
                name: name, options: options, inbox: inboxContinuation, broadcast: broadcast)
            try await core.run(children: initialChildren, inbox: inbox)
        }
        let continuation = inboxContinuation
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await loop.value
            } onGracefulShutdown: {
                continuation.yield(.shutdown)
            }
        } onCancel: {
            continuation.yield(.cancel)
        }
    }

    /// Starts a dynamic child and returns once its first incarnation is running.
    /// - Throws: ``SupervisorError/duplicateChild(_:supervisor:)`` if a live child has its id;
    ///   ``SupervisorError/notRunning(supervisor:)`` if the supervisor has finished.
    public func startChild<Input: Sendable>(_ spec: ChildSpec<Input>) async throws {
        let child = AnyChildSpec(spec)
        try await withCheckedThrowingContinuation { (reply: CheckedContinuation<Void, any Error>) in
            send(.startChild(child, reply: reply)) { reply.resume(throwing: $0) }
        }
    }

    /// Stops a child (by its shutdown mode) and removes it; returns once it has ended.
    /// - Throws: ``SupervisorError/noSuchChild(_:supervisor:)`` or
    ///   ``SupervisorError/notRunning(supervisor:)``.
    public func stopChild(_ id: ChildID) async throws {
        try await withCheckedThrowingContinuation { (reply: CheckedContinuation<Void, any Error>) in
            send(.stopChild(id, reply: reply)) { reply.resume(throwing: $0) }
        }
    }

    /// The children now known to the supervisor, in start order.
    public func children() async throws -> [ChildInfo] {
        try await withCheckedThrowingContinuation { (reply: CheckedContinuation<[ChildInfo], any Error>) in
            send(.listChildren(reply: reply)) { reply.resume(throwing: $0) }
        }
    }

    /// Asks the supervisor to stop its children gracefully, in reverse start order, and end.
    /// Returns at once; ``run()`` returns when it is done.
    public func shutdown() {
        inboxContinuation.yield(.shutdown)
    }

    private func send(_ input: SupervisorInput, orFail fail: (SupervisorError) -> Void) {
        if case .terminated = inboxContinuation.yield(input) {
            fail(.notRunning(supervisor: name))
        }
    }
}

/// A child as ``Supervisor/children()`` reports it.
public struct ChildInfo: Sendable, Hashable {
    /// Where a child is in its life.
    public enum State: Sendable, Hashable {
        /// An incarnation is running.
        case running
        /// Waiting for its restart delay.
        case restarting
    }

    /// The child's id.
    public let id: ChildID
    /// Its current (or last) generation.
    public let generation: Int
    /// Running or restarting.
    public let state: State
}

/// Everything a supervisor's loop reacts to.
enum SupervisorInput: Sendable {
    case exited(ChildID, generation: Int, ChildOutcome)
    case restartDue(token: UInt64)
    case startChild(AnyChildSpec, reply: CheckedContinuation<Void, any Error>)
    case stopChild(ChildID, reply: CheckedContinuation<Void, any Error>)
    case listChildren(reply: CheckedContinuation<[ChildInfo], any Error>)
    case shutdown
    case cancel
}

/// How a child's body ended, before the supervisor interprets it.
enum ChildOutcome: Sendable {
    case returned
    case threw(any Error)
    case cancelled
}
