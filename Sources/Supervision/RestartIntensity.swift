import DequeModule

/// At most `maxRestarts` restarts within `period`, across all children of a supervisor
/// (Erlang/OTP `intensity` and `period`). One more escalates.
public struct RestartIntensity: Sendable, Hashable {
    /// Restarts allowed within the window.
    public var maxRestarts: Int
    /// The sliding window.
    public var period: Duration

    /// Creates a limit; a negative count is taken as 0.
    public init(maxRestarts: Int, within period: Duration) {
        self.maxRestarts = max(0, maxRestarts)
        self.period = max(.zero, period)
    }

    /// OTP's default: 1 restart in 5 seconds.
    public static let otpDefault = RestartIntensity(maxRestarts: 1, within: .seconds(5))

    /// Whether a restart at `now`, after the earlier restarts at `recent` (oldest first), stays
    /// within the limit. Records it, and trims `recent` to what can still matter: the window,
    /// and at most `maxRestarts + 1` entries — O(1) amortised per restart.
    func admits(restartAt now: Duration, recent: inout Deque<Duration>) -> Bool {
        while let oldest = recent.first, now - oldest > period { recent.removeFirst() }
        recent.append(now)
        let admitted = recent.count <= maxRestarts
        while recent.count > maxRestarts + 1 { recent.removeFirst() }
        return admitted
    }
}
