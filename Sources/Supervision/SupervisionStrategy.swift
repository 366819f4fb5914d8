/// Which children a supervisor restarts when one of them is to be restarted
/// (Erlang/OTP restart strategies).
public enum SupervisionStrategy: Sendable, Hashable, CaseIterable {
    /// Only the child that ended is restarted.
    case oneForOne
    /// Every other child is stopped (in reverse start order) and all are restarted in start order.
    case oneForAll
    /// The children started after the one that ended are stopped (in reverse start order),
    /// then it and they are restarted in start order.
    case restForOne
}
