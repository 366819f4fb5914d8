import Logging
import PostgresNIO
import StudyStore
import Synchronization

/// How long a store call may wait for the server before the store calls it unavailable.
public struct PostgresCallDeadlines: Sendable, Equatable {
    /// How long a call may wait for a connection (the pool connecting, or queueing behind others).
    public var lease: Duration
    /// How long a whole call may take, from asking for a connection to its last row.
    public var call: Duration

    /// Deadlines; `call` is at least `lease`.
    public init(lease: Duration, call: Duration) {
        self.lease = lease
        self.call = max(call, lease)
    }

    /// The deadlines for `server`: a connection within its `connect_timeout` and 5 s more;
    /// a whole call within a minute (a transition is a few statements on a handful of rows).
    public static func standard(for server: PostgresLocation) -> PostgresCallDeadlines {
        PostgresCallDeadlines(lease: .seconds(server.connectTimeout) + .seconds(5), call: .seconds(60))
    }
}

/// postgres-nio's connection pool, replaced by a fresh one whenever the server cannot be
/// reached, and every call bounded by ``PostgresCallDeadlines``.
///
/// Why not the pool alone: while connecting fails, a `PostgresClient` holds every call in its
/// queue for up to a minute, then trips a circuit breaker that fails calls at once and retries
/// connecting on its own backoff, growing to a minute between attempts — so a worker that lost
/// its database for longer than a minute could go on failing for minutes after the server was
/// back (seen: 85 s after a restart and still no connection). And a query on a link that was
/// cut, or a server that stopped answering, waits for TCP to give up (many minutes). Here a call
/// that finds the server unreachable, or gets no answer within its deadline, fails as
/// ``StudyStoreError/unavailable(location:reason:)`` and the pool it used is shut down (its
/// connections closed, its queued calls failed) and replaced: the caller's own backoff
/// (``StudyRecorder``'s) decides when to try again, and the next try connects afresh.
final class RenewingConnectionPool: Sendable {
    private struct Generation {
        var number: Int
        var client: PostgresClient
        var run: Task<Void, Never>
    }

    let server: PostgresLocation
    let deadlines: PostgresCallDeadlines
    private let clock: any Clock<Duration>
    private let makeClient: @Sendable () -> PostgresClient
    private let logger: Logger
    private let current: Mutex<Generation>

    /// Starts a pool made by `makeClient`.
    init(server: PostgresLocation, deadlines: PostgresCallDeadlines, clock: any Clock<Duration>, logger: Logger,
         makeClient: @escaping @Sendable () -> PostgresClient) {
        self.server = server
        self.deadlines = deadlines
        self.clock = clock
        self.logger = logger
        self.makeClient = makeClient
        current = Mutex(Self.start(number: 0, client: makeClient()))
    }

    deinit { current.withLock { $0.run.cancel() } }

    /// Runs `body` on a connection of the current pool within the deadlines.
    /// - Throws: ``StudyStoreError`` (``StudyStoreError/unavailable(location:reason:)`` when the
    ///   server could not be reached or did not answer in time).
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let (number, client) = current.withLock { ($0.number, $0.client) }
        let leased = Atomic<Bool>(false)
        let expired = Mutex<String?>(nil)
        let deadlines = deadlines
        let clock = clock
        let watchdog = Task { [weak self] in
            do {
                try await clock.sleep(for: deadlines.lease)
                if !leased.load(ordering: .acquiring) {
                    expired.withLock { $0 = "no connection within \(deadlines.lease)" }
                } else {
                    try await clock.sleep(for: deadlines.call - deadlines.lease)
                    expired.withLock { $0 = "no answer within \(deadlines.call)" }
                }
                self?.renew(from: number, because: expired.withLock { $0 } ?? "")
            } catch {
                // Cancelled: the call ended in time.
            }
        }
        defer { watchdog.cancel() }
        do {
            return try await client.withConnection { connection in
                leased.store(true, ordering: .releasing)
                return try await body(connection)
            }
        } catch {
            if let reason = expired.withLock({ $0 }) {
                throw StudyStoreError.unavailable(location: server.description, reason: reason)
            }
            let failure = PostgresFailure.studyStoreError(error, location: server)
            if failure.isUnavailable { renew(from: number, because: "\(failure)") }
            throw failure
        }
    }

    /// Replaces pool `number` (if it is still the current one) with a fresh pool; the old one
    /// shuts down, closing its connections and failing what waits on it.
    func renew(from number: Int, because reason: String) {
        let old: Task<Void, Never>? = current.withLock { generation in
            guard generation.number == number else { return nil }
            let old = generation.run
            generation = Self.start(number: number + 1, client: makeClient())
            return old
        }
        guard let old else { return }
        old.cancel()
        logger.debug("the connection pool to the study database is replaced", metadata: [
            "store": "\(server)", "pool": "\(number + 1)", "reason": "\(reason)"])
    }

    private static func start(number: Int, client: PostgresClient) -> Generation {
        // Started immediately, so that the pool is running (postgres-nio warns otherwise) before the first lease.
        Generation(number: number, client: client, run: Task.immediate { await client.run() })
    }
}
