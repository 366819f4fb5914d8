/// The values one hyperparameter may take (Optuna's distributions): floats (uniform, log or
/// stepped), integers (uniform, log or stepped), or categories.
public enum Distribution: Sendable, Hashable, Codable {
    /// A float in [low, high]; on a log scale, or on a grid of `step` from `low`.
    case float(low: Double, high: Double, log: Bool = false, step: Double? = nil)
    /// An integer in [low, high]; on a log scale, or every `step` from `low`.
    case int(low: Int, high: Int, log: Bool = false, step: Int = 1)
    /// One of these choices.
    case categorical([ParameterValue])

    /// A distribution that cannot be sampled, with what would be valid.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        /// The message.
        public let description: String
    }

    /// Checks the bounds, scale and step.
    public func validate(name: String) throws {
        func fail(_ message: String) -> Invalid { Invalid(description: "parameter '\(name)': \(message)") }
        switch self {
        case .float(let low, let high, let log, let step):
            guard low.isFinite, high.isFinite, low <= high else { throw fail("low \(low) and high \(high) must be finite with low ≤ high") }
            if log { guard low > 0 else { throw fail("a log scale needs low > 0, got \(low)") } }
            if let step {
                guard !log else { throw fail("step and log cannot be combined") }
                guard step > 0, step.isFinite else { throw fail("step must be > 0, got \(step)") }
            }
        case .int(let low, let high, let log, let step):
            guard low <= high else { throw fail("low \(low) must be ≤ high \(high)") }
            guard step >= 1 else { throw fail("step must be ≥ 1, got \(step)") }
            if log {
                guard low >= 1 else { throw fail("a log scale needs low ≥ 1, got \(low)") }
                guard step == 1 else { throw fail("step and log cannot be combined") }
            }
        case .categorical(let choices):
            guard !choices.isEmpty else { throw fail("a categorical parameter needs at least one choice") }
            guard Set(choices).count == choices.count else { throw fail("categorical choices must be distinct") }
        }
    }

    /// Whether `value` is one this distribution can produce.
    public func contains(_ value: ParameterValue) -> Bool {
        switch (self, value) {
        case (.float(let low, let high, _, let step), .float(let x)):
            guard x >= low, x <= high else { return false }
            guard let step else { return true }
            let k = ((x - low) / step).rounded()
            return abs(low + k * step - x) <= 1e-9 * max(1, abs(x))
        case (.int(let low, let high, _, let step), .int(let x)):
            return x >= low && x <= high && (x - low) % step == 0
        case (.categorical(let choices), _):
            return choices.contains(value)
        default:
            return false
        }
    }

    /// The values of a discrete distribution in order (`nil` for a continuous float).
    public var grid: [ParameterValue]? {
        switch self {
        case .float(let low, let high, _, let step?):
            let count = Int(((high - low) / step + 1e-9).rounded(.down)) + 1
            return (0..<count).map { .float(low + Double($0) * step) }
        case .float:
            return nil
        case .int(let low, let high, _, let step):
            return stride(from: low, through: high, by: step).map { .int($0) }
        case .categorical(let choices):
            return choices
        }
    }
}

/// One hyperparameter's value.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A float.
    case float(Double)
    /// An integer.
    case int(Int)
    /// A category given as text.
    case string(String)

    /// The value as a number where it is one (categories of text are not).
    public var number: Double? {
        switch self {
        case .float(let x): return x
        case .int(let x): return Double(x)
        case .string: return nil
        }
    }

    public var description: String {
        switch self {
        case .float(let x): return "\(x)"
        case .int(let x): return "\(x)"
        case .string(let s): return s
        }
    }
}
