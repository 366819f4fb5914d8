/// A hyperparameter's value before and after a restart rule.
public struct ParameterChange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The hyperparameter.
    public let name: String
    /// Its value before.
    public let from: Double
    /// Its value after.
    public let to: Double

    /// Creates a change record.
    public init(name: String, from: Double, to: Double) {
        self.name = name
        self.from = from
        self.to = to
    }

    public var description: String { "\(name) \(HumanNumber.text(from)) → \(HumanNumber.text(to))" }
}
