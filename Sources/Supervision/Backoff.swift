#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exponential restart backoff with jitter, reset after a quiet period (after Akka's
/// `BackoffSupervisor`).
///
/// The delay before the n-th consecutive restart of a child (n from 0) is
/// `min(maximum, minimum · multiplierⁿ) · (1 + jitter · u)`, with u uniform in [0, 1) from the
/// supervisor's seeded generator, and then capped at `maximum`. A generation that ran for at
/// least `resetAfter` before ending resets n to 0.
public struct Backoff: Sendable, Hashable {
    /// The first delay.
    public var minimum: Duration
    /// The largest delay.
    public var maximum: Duration
    /// The growth factor per consecutive restart (≥ 1).
    public var multiplier: Double
    /// The relative random spread added to each delay (0 for none, at most 1).
    public var jitter: Double
    /// A run this long without failing resets the consecutive count.
    public var resetAfter: Duration

    /// Restart at once, every time.
    public static let none = Backoff(minimum: .zero, maximum: .zero, multiplier: 1, jitter: 0, resetAfter: .zero)

    /// Creates a backoff policy; out-of-range values are clamped to the nearest valid one.
    public init(minimum: Duration, maximum: Duration, multiplier: Double = 2, jitter: Double = 0,
                resetAfter: Duration = .seconds(60)) {
        self.minimum = max(.zero, minimum)
        self.maximum = max(self.minimum, maximum)
        self.multiplier = multiplier.isFinite ? max(1, multiplier) : 1
        self.jitter = jitter.isFinite ? min(1, max(0, jitter)) : 0
        self.resetAfter = max(.zero, resetAfter)
    }

    /// The delay before the restart that follows `consecutiveRestarts` earlier ones, with
    /// `unitRandom` in [0, 1).
    public func delay(consecutiveRestarts: Int, unitRandom: Double) -> Duration {
        guard maximum > .zero else { return .zero }
        let minSeconds = minimum.seconds
        let maxSeconds = maximum.seconds
        let exponent = Double(max(0, consecutiveRestarts))
        let grown = minSeconds * pow(multiplier, exponent)
        let base = grown.isFinite ? min(maxSeconds, grown) : maxSeconds
        let jittered = min(maxSeconds, base * (1 + jitter * unitRandom))
        return .nanoseconds(Int64((jittered * 1e9).rounded()))
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
