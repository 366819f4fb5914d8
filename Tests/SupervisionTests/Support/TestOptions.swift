import Logging

@testable import Supervision

extension Logger {
    /// A logger that discards everything, so test output shows only test results.
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// Supervisor options for tests: a manual clock, a quiet logger, generous intensity.
func testOptions(
    strategy: SupervisionStrategy = .oneForOne,
    intensity: RestartIntensity = RestartIntensity(maxRestarts: 100, within: .seconds(60)),
    backoff: Backoff = .none,
    autoShutdown: AutoShutdown = .never,
    clock: ManualClock = ManualClock(),
    seed: UInt64 = 0
) -> SupervisorOptions {
    SupervisorOptions(strategy: strategy, intensity: intensity, backoff: backoff, autoShutdown: autoShutdown,
                      time: TimeSource(clock), seed: seed, logger: .quiet)
}
