/// Text with `{name}` placeholders, filled in for each incarnation of a trial: an argument
/// (`--lr={learning_rate}`), an environment variable, a config file's contents, a checkpoint
/// file pattern. `{{` and `}}` stand for literal braces.
public struct ValueTemplate: Sendable, Hashable, CustomStringConvertible {
    enum Piece: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
    }

    /// The text as written.
    public let text: String
    let pieces: [Piece]

    /// Parses `text`.
    /// - Throws: ``AdapterSettingError`` at `keyPath` for an unclosed or empty placeholder or a
    ///   stray `}`.
    public init(_ text: String, keyPath: String) throws {
        self.text = text
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        func next(_ i: String.Index) -> Character? { text.index(after: i) < text.endIndex ? text[text.index(after: i)] : nil }
        while index < text.endIndex {
            let character = text[index]
            if character == "{", next(index) == "{" {
                literal.append("{")
                index = text.index(index, offsetBy: 2)
            } else if character == "}", next(index) == "}" {
                literal.append("}")
                index = text.index(index, offsetBy: 2)
            } else if character == "{" {
                guard let close = text[index...].firstIndex(of: "}") else {
                    throw AdapterSettingError(keyPath, "'\(text)' opens a placeholder with '{' that is never closed (write {{ for a literal brace)")
                }
                let name = String(text[text.index(after: index)..<close])
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                    throw AdapterSettingError(keyPath, "'\(text)' has the placeholder '{\(name)}'; a placeholder is a name of letters, digits, '_' and '.' (write {{ for a literal brace)")
                }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.placeholder(name))
                index = text.index(after: close)
            } else if character == "}" {
                throw AdapterSettingError(keyPath, "'\(text)' has a '}' that closes no placeholder (write }} for a literal brace)")
            } else {
                literal.append(character)
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }

    /// The names it refers to, in order.
    public var placeholders: [String] {
        pieces.compactMap { if case .placeholder(let name) = $0 { return name } else { return nil } }
    }

    /// Checks that every placeholder is one of `known`.
    /// - Throws: ``AdapterSettingError`` at `keyPath` naming the unknown placeholder and the valid ones.
    public func check(known: Set<String>, keyPath: String) throws {
        for name in placeholders where !known.contains(name) {
            throw AdapterSettingError(keyPath, "'\(text)' refers to {\(name)}, which is not known here; valid: "
                + known.sorted().map { "{\($0)}" }.joined(separator: ", "))
        }
    }

    /// The text with every placeholder replaced by its value.
    /// - Throws: ``AdapterSettingError`` naming a placeholder that has no value.
    public func render(_ values: [String: String], keyPath: String) throws -> String {
        try pieces.map { piece in
            switch piece {
            case .literal(let text): return text
            case .placeholder(let name):
                guard let value = values[name] else {
                    throw AdapterSettingError(keyPath, "'\(text)' refers to {\(name)}, which this incarnation has no value for")
                }
                return value
            }
        }.joined()
    }

    public var description: String { text }

    /// A number as a template writes it: integers without a decimal point (`16`), others in the
    /// shortest form that reads back to the same double (`0.001`, `1e-05`).
    public static func text(of value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }
}
