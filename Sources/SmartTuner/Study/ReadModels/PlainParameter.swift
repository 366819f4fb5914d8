import Optimization

/// A parameter value as `--json` output and exports show it: a JSON number for floats and
/// integers, a JSON string for categories (rather than a tagged enum, or text).
public struct PlainParameter: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The value.
    public let value: ParameterValue

    /// Wraps `value`.
    public init(_ value: ParameterValue) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let int = try? container.decode(Int.self) {
            value = .int(int)
        } else if let number = try? container.decode(Double.self) {
            value = .float(number)
        } else {
            value = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .float(let x): try container.encode(x)
        case .int(let x): try container.encode(x)
        case .string(let s): try container.encode(s)
        }
    }

    /// Full precision, as stored (`HumanNumber` is for people).
    public var description: String { value.description }
}
