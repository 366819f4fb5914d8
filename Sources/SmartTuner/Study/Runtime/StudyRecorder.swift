import DequeModule
import Foundation
import Logging
import StudyStore
import Supervision
import Synchronization

/// The study actor's mailbox to its store (DESIGN §2, §7): every store call of this process's
/// study, in the order it was asked for, on a thread of its own.
///
/// Trials' actors hand their writes over and go on at once: a slow, locked or unreachable
/// database delays only recording, never training or judging, and a blocking store call never
/// holds a thread of the cooperative pool. Callers that need a result (a claim, a trial's end)
/// wait for it behind the writes asked for before theirs, so a trial ends only after all its
/// progress is written.
///
/// Connection loss is a fault like any other: a call that finds the store unavailable
/// (``StudyStoreError/unavailable(location:reason:)``) is tried again with exponential backoff
/// until the store is back (or ``RetryPolicy/giveUpAfter`` passes), and everything behind it
/// waits, so writes land in order. Meanwhile the mailbox stays bounded: a trial's progress
/// waiting to be written is one entry, into which its later progress is merged, so the
/// mailbox holds at most one progress entry per trial and incarnation besides the few calls
/// whose callers wait (claims, heartbeats, restarts, ends).
final class StudyRecorder: Sendable {
    /// How long and how often an unavailable store is tried again.
    struct RetryPolicy: Sendable {
        /// The first wait.
        var initialDelay: Duration = .milliseconds(500)
        /// The longest wait between tries.
        var maximumDelay: Duration = .seconds(15)
        /// After this long unavailable, a call fails (its trial is taken over by another worker when the store is back).
        var giveUpAfter: Duration = .seconds(3_600)
    }

    /// A batch of a running trial's progress, merged with the trial's later batches while it waits.
    struct ProgressWrite: Sendable {
        let trialID: String
        let trial: StoredTrial
        let study: StoredStudy
        let generation: Int
        var progress: TrialProgress
        var now: Date
        /// Runs after the write (reading back what pruning compares against).
        var then: (@Sendable (any StudyStore) async throws -> Void)?
    }

    private enum Job: Sendable {
        case progress(ProgressWrite, finished: @Sendable ((any Error)?) -> Void)
        case call(@Sendable (any StudyStore) async throws -> Void, finished: @Sendable ((any Error)?) -> Void)
    }

    /// The store.
    let store: any StudyStore
    private let mailbox = Mailbox()
    private let wake: AsyncStream<Void>.Continuation

    /// Starts the recorder's thread.
    init(store: any StudyStore, name: String, time: TimeSource = .continuous, retry: RetryPolicy = RetryPolicy(),
         logger: Logger = Logger(label: "smarttuner.study")) {
        self.store = store
        let executor = DedicatedThreadExecutor(name: "study-recorder \(name)")
        // A conflated signal: the loop drains every queued job on each wake.
        let (signals, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        let drain = Drain(store: store, time: time, retry: retry, logger: logger)
        Task(executorPreference: executor) { [mailbox] in
            for await _ in signals {
                // Jobs leave the queue only when they start, so a batch still queued can take later progress.
                while let job = mailbox.jobs.withLock({ $0.popFirst() }) { await drain.run(job) }
            }
            executor.stop()
        }
    }

    deinit { wake.finish() }

    /// Queues a batch of a trial's progress: merged into the trial's batch still waiting, if
    /// there is one for the same incarnation, else queued after everything before it.
    func enqueue(_ write: ProgressWrite, finished: @escaping @Sendable ((any Error)?) -> Void) {
        mailbox.jobs.withLock { jobs in
            if let index = jobs.lastIndex(where: { if case .progress(let queued, _) = $0 { queued.trialID == write.trialID } else { false } }),
               case .progress(var queued, let first) = jobs[index], queued.generation == write.generation,
               !jobs[(index + 1)...].contains(where: { if case .call = $0 { true } else { false } }) {
                queued.progress.merge(write.progress)
                queued.now = write.now
                queued.then = write.then ?? queued.then
                jobs[index] = .progress(queued, finished: first)
            } else {
                jobs.append(.progress(write, finished: finished))
            }
        }
        wake.yield()
    }

    /// Queues `call`; it runs after everything queued before it.
    func enqueue(_ call: @escaping @Sendable (any StudyStore) async throws -> Void, finished: @escaping @Sendable ((any Error)?) -> Void) {
        mailbox.jobs.withLock { $0.append(.call(call, finished: finished)) }
        wake.yield()
    }

    /// Queues `work` and waits for its result.
    func perform<Result: Sendable>(_ work: @escaping @Sendable (any StudyStore) async throws -> Result) async throws -> Result {
        let result = Mutex<Result?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue({ store in
                let value = try await work(store)
                result.withLock { $0 = value }
            }, finished: { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            })
        }
        guard let value = result.withLock({ $0.take() }) else { throw CancellationError() }
        return value
    }

    /// The queue, shared by the recorder and its loop (which must not keep the recorder alive:
    /// the recorder's deinit ends the loop).
    private final class Mailbox: Sendable {
        let jobs = Mutex(Deque<Job>())
    }

    /// Runs jobs, trying a call again while the store is unavailable.
    private struct Drain: Sendable {
        let store: any StudyStore
        let time: TimeSource
        let retry: RetryPolicy
        let logger: Logger

        func run(_ job: Job) async {
            switch job {
            case .progress(let write, let finished):
                await attempt(finished) { store in
                    try await store.report(write.trial, in: write.study, generation: write.generation, progress: write.progress, now: write.now)
                    try await write.then?(store)
                }
            case .call(let call, let finished):
                await attempt(finished, call)
            }
        }

        private func attempt(_ finished: @Sendable ((any Error)?) -> Void, _ body: @Sendable (any StudyStore) async throws -> Void) async {
            let start = time.now()
            var delay = retry.initialDelay
            var outage: String?
            while true {
                do {
                    try await body(store)
                    if let outage {
                        logger.notice("the study database is back; held writes go on in order", metadata: [
                            "store": "\(store.location)", "unavailable_for": "\(time.now() - start)", "reason": "\(outage)"])
                    }
                    return finished(nil)
                } catch let error as StudyStoreError where error.isUnavailable && time.now() - start < retry.giveUpAfter {
                    if outage == nil {
                        logger.warning("the study database is unavailable; training goes on, writes wait and are tried again", metadata: [
                            "store": "\(store.location)", "error": "\(error)"])
                    }
                    outage = "\(error)"
                    do { try await time.sleep(for: delay) } catch { return finished(error) }
                    delay = min(delay * 2, retry.maximumDelay)
                } catch {
                    return finished(error)
                }
            }
        }
    }
}

extension TrialProgress {
    /// Adds a later batch of the same trial and incarnation: its values and quality replace
    /// earlier ones for the same step, its checkpoints, events and figures follow.
    mutating func merge(_ later: TrialProgress) {
        values.merge(later.values) { $1 }
        lastStep = [lastStep, later.lastStep].compactMap { $0 }.max()
        quality = later.quality ?? quality
        checkpoints += later.checkpoints
        events += later.events
        metrics += later.metrics
    }
}
