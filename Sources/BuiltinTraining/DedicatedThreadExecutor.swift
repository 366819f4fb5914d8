import DequeModule
import Dispatch
import Foundation
import Synchronization

/// A task executor with one thread of its own. The built-in trainer runs its steps here, so a
/// trial's compute stays on one core with a warm cache instead of migrating between pool
/// threads every time it reports an event — and never holds a cooperative-pool thread.
final class DedicatedThreadExecutor: TaskExecutor, Sendable {
    private let state = Mutex<(jobs: Deque<UnownedJob>, stopped: Bool)>(([], false))
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the thread.
    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        state.withLock { $0.jobs.append(job) }
        wake.signal()
    }

    /// Lets the thread end once its queue is empty.
    func stop() {
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
