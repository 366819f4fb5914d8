/// What an MLflow server did not do, with the secrets removed.
public struct MLflowError: Error, Sendable, CustomStringConvertible {
    /// What was asked and what went wrong.
    public let message: String
    /// MLflow's error code (`RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`, …), if it gave one.
    public let code: String?
    /// The HTTP status, if a response came.
    public let status: Int?

    public var description: String { message }

    /// Whether the server could not be reached or failed on its side (a later try may work).
    public var transient: Bool { status.map { $0 >= 500 || $0 == 429 } ?? true }
}
