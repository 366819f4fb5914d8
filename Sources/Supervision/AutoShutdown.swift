/// Whether a supervisor ends by itself when its significant children end
/// (Erlang/OTP `auto_shutdown`). Only children that are not restarted count as ended.
public enum AutoShutdown: Sendable, Hashable {
    /// Keep running until asked to stop, whatever the children do.
    case never
    /// Shut down as soon as any significant child has ended for good.
    case anySignificant
    /// Shut down when every significant child has ended for good.
    case allSignificant
}
