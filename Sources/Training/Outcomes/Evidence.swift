/// The metric values that made a judgement, kept with every failure and restart.
public struct Evidence: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One line, for people.
    public let summary: String
    /// The values by metric name.
    public let values: [String: Double]

    /// Creates evidence.
    public init(_ summary: String, values: [String: Double] = [:]) {
        self.summary = summary
        self.values = values
    }

    public var description: String { summary }
}
