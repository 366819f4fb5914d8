/// How a supervisor stops a running child (Erlang/OTP `shutdown` of a child spec).
public enum ShutdownMode: Sendable, Hashable {
    /// Cancel the child's task at once.
    case brutal
    /// Request a graceful stop through the child's ``ShutdownSignal``; cancel the child if it
    /// has not ended after `timeout` (measured on the supervisor's injected clock).
    case graceful(timeout: Duration)
}
