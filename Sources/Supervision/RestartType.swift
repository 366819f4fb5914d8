/// When a terminated child is restarted (Erlang/OTP `restart` of a child spec).
public enum RestartType: Sendable, Hashable, CaseIterable {
    /// Always restarted, whether it returned normally, threw or was cancelled.
    case permanent
    /// Restarted only when it ended abnormally (threw, or was cancelled without being asked to stop).
    case transient
    /// Never restarted; removed from the supervisor when it ends.
    case temporary

    /// Whether a child of this type is restarted after ending for `reason`.
    public func restarts(after reason: TerminationReason) -> Bool {
        switch (self, reason) {
        case (.permanent, _): return true
        case (.transient, .failed): return true
        case (.transient, .completed), (.temporary, _): return false
        }
    }
}
