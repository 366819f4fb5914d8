/// The name of a child within its supervisor. Unique among the supervisor's live children.
public struct ChildID: Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The identifier as text.
    public let rawValue: String

    /// Creates an identifier from text.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates an identifier from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    public static func < (lhs: ChildID, rhs: ChildID) -> Bool { lhs.rawValue < rhs.rawValue }
}
