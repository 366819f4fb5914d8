/// A configuration file that cannot be used: where (file:line:column and key path), what is
/// wrong, and what would be valid.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// 1-based line (0 when unknown).
    public let line: Int
    /// 1-based column (0 when unknown).
    public let column: Int
    /// The key path, such as `study.sampler.type`.
    public let keyPath: String
    /// What is wrong and what would be valid.
    public let message: String

    /// Creates the error.
    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
    }
}
