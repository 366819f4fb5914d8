/// The injected notion of time: elapsed time since the source was made, and sleeping.
///
/// Wraps any `Clock` whose durations are `Duration`, so the runtime can be driven by the
/// system's continuous clock in production and by a ``ManualClock`` in tests.
public struct TimeSource: Sendable {
    private let elapsed: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// Wraps `clock`; elapsed time counts from this call.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.elapsed = { origin.duration(to: clock.now) }
        self.sleeper = { duration in
            try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil)
        }
    }

    /// The system's continuous clock.
    public static var continuous: TimeSource { TimeSource(ContinuousClock()) }

    /// Time elapsed since this source was made.
    public func now() -> Duration { elapsed() }

    /// Sleeps for `duration`; throws `CancellationError` if the task is cancelled first.
    public func sleep(for duration: Duration) async throws {
        try await sleeper(duration)
    }
}
