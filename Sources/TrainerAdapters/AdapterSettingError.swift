/// A setting of an adapter that cannot work, found before any trial runs: where it is (the key
/// path under `trainer.adapter`), what is wrong, and what would be valid.
public struct AdapterSettingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key path, such as `progress.step` or `checkpoints.pattern`.
    public let keyPath: String
    /// What is wrong and what would be valid.
    public let message: String

    /// Creates the error.
    public init(_ keyPath: String, _ message: String) {
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String { "\(keyPath): \(message)" }
}
