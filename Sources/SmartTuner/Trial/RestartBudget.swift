import DequeModule
import Supervision
import Synchronization

/// Session-wide restart intensity: at most `maxRestarts` smart restarts, across all trials,
/// within `period`. A restart past it makes the trial's supervisor escalate to the root.
public final class RestartBudget: Sendable {
    /// The limit.
    public let intensity: RestartIntensity
    private let time: TimeSource
    private let recent = Mutex<Deque<Duration>>([])

    /// Creates a budget measured on `time`.
    public init(_ intensity: RestartIntensity, time: TimeSource = .continuous) {
        self.intensity = intensity
        self.time = time
    }

    /// Records a restart if it fits; `false` means the session must escalate.
    public func admit() -> Bool {
        let now = time.now()
        return recent.withLock { recent in
            while let oldest = recent.first, now - oldest > intensity.period { recent.removeFirst() }
            guard recent.count < intensity.maxRestarts else { return false }
            recent.append(now)
            return true
        }
    }
}
