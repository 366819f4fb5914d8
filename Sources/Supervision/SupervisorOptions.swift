import Logging

/// How a supervisor restarts its children, and what it runs on.
public struct SupervisorOptions: Sendable {
    /// Which children are restarted together.
    public var strategy: SupervisionStrategy
    /// How many restarts are allowed within a period before escalating.
    public var intensity: RestartIntensity
    /// The delay before each restart.
    public var backoff: Backoff
    /// Whether the supervisor ends by itself when significant children end.
    public var autoShutdown: AutoShutdown
    /// The injected clock (delays, timeouts, intensity windows).
    public var time: TimeSource
    /// The seed of the jitter generator.
    public var seed: UInt64
    /// The buffer size of each event subscription.
    public var eventBufferCapacity: Int
    /// Where restarts, failures and escalations are logged.
    public var logger: Logger

    /// Creates options; the defaults are OTP's (one-for-one, 1 restart in 5 s, no backoff).
    public init(
        strategy: SupervisionStrategy = .oneForOne,
        intensity: RestartIntensity = .otpDefault,
        backoff: Backoff = .none,
        autoShutdown: AutoShutdown = .never,
        time: TimeSource = .continuous,
        seed: UInt64 = 0,
        eventBufferCapacity: Int = 1024,
        logger: Logger = Logger(label: "smarttuner.supervision")
    ) {
        self.strategy = strategy
        self.intensity = intensity
        self.backoff = backoff
        self.autoShutdown = autoShutdown
        self.time = time
        self.seed = seed
        self.eventBufferCapacity = max(1, eventBufferCapacity)
        self.logger = logger
    }
}
