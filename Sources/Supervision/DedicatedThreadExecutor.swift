import DequeModule
import Dispatch
import Foundation
import Synchronization

/// A task executor with one thread of its own, for work that blocks or computes for long: the
/// built-in trainer runs its steps here (a trial's compute stays on one core with a warm cache
/// instead of migrating between pool threads), and the study's recorder its database calls.
/// Neither ever holds a cooperative-pool thread.
public final class DedicatedThreadExecutor: TaskExecutor, Sendable {
    private let state = Mutex<(jobs: Deque<UnownedJob>, stopped: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the thread.
    public init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        state.withLock { $0.jobs.append(job) }
        wake.signal()
    }

    /// Lets the thread end once its queue is empty.
    public func stop() {
        state.withLock { $0.stopped = true }
        wake.signal()
    }

    private func run() {
        while true {
            wake.wait()
            let (job, finished) = state.withLock { state in (state.jobs.popFirst(), state.stopped && state.jobs.isEmpty) }
            if let job { job.runSynchronously(on: asUnownedTaskExecutor()) }
            if finished && job == nil { return }
        }
    }
}
