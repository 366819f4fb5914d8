import Logging
import StudyStore
import Supervision

/// The study actor's mailbox to its store (DESIGN §2, §7): every store call of this process's
/// study, in the order it was asked for, on a thread of its own.
///
/// Trials' actors hand their writes over and go on at once: a slow or locked database delays
/// only recording, never training or judging, and a blocking store call never holds a thread
/// of the cooperative pool. Callers that need a result (a claim, a trial's end) wait for it
/// behind the writes asked for before theirs, so a trial ends only after all its progress is
/// written.
final class StudyRecorder: Sendable {
    /// The store.
    let store: any StudyStore
    private let jobs: AsyncStream<@Sendable () async -> Void>.Continuation
    private let executor: DedicatedThreadExecutor

    /// Starts the recorder's thread.
    init(store: any StudyStore, name: String) {
        self.store = store
        let executor = DedicatedThreadExecutor(name: "study-recorder \(name)")
        self.executor = executor
        let (stream, jobs) = AsyncStream<@Sendable () async -> Void>.makeStream()
        self.jobs = jobs
        Task(executorPreference: executor) {
            for await job in stream { await job() }
            executor.stop()
        }
    }

    deinit { jobs.finish() }

    /// Queues `write`; it runs after everything queued before it.
    func enqueue(_ write: @escaping @Sendable (any StudyStore) async -> Void) {
        let store = self.store
        jobs.yield { await write(store) }
    }

    /// Queues `work` and waits for its result.
    func perform<Result: Sendable>(_ work: @escaping @Sendable (any StudyStore) async throws -> Result) async throws -> Result {
        let store = self.store
        return try await withCheckedThrowingContinuation { continuation in
            let queued = jobs.yield {
                do { continuation.resume(returning: try await work(store)) } catch { continuation.resume(throwing: error) }
            }
            if case .terminated = queued { continuation.resume(throwing: CancellationError()) }
        }
    }
}
