import Foundation

/// A regular expression with named groups (`(?<step>\d+)`) that reads one line of a trainer's
/// output, compiled once when the study starts.
public struct OutputPattern: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    /// The names of its groups, in order.
    public let groups: [String]
    private let expression: NSRegularExpression

    /// Compiles `source`.
    /// - Throws: ``AdapterSettingError`` at `keyPath` when it is not a valid expression, or
    ///   lacks one of `required` groups.
    public init(_ source: String, keyPath: String, required: [String] = []) throws {
        self.source = source
        let (pattern, names) = Self.numberingGroups(in: source)
        do {
            expression = try NSRegularExpression(pattern: pattern)
        } catch {
            throw AdapterSettingError(keyPath, "'\(source)' is not a valid regular expression (ICU syntax, as NSRegularExpression reads it)")
        }
        groups = names
        for name in required where !groups.contains(name) {
            throw AdapterSettingError(keyPath, "'\(source)' has no group named '\(name)'; write it as (?<\(name)>…), e.g. (?<\(name)>\\d+)"
                + (groups.isEmpty ? "" : " (its groups: \(groups.joined(separator: ", ")))"))
        }
    }

    /// The text of each named group that took part in the first match in `line`; `nil` when the
    /// line does not match.
    public func match(_ line: String) -> [String: String]? {
        let range = NSRange(line.startIndex..., in: line)
        guard let result = expression.firstMatch(in: line, range: range) else { return nil }
        var values: [String: String] = [:]
        for (index, name) in groups.enumerated() {
            if let found = Range(result.range(withName: "g\(index)"), in: line) { values[name] = String(line[found]) }
        }
        return values
    }

    public var description: String { source }

    public static func == (lhs: OutputPattern, rhs: OutputPattern) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// The pattern with its `(?<name>…)` groups renamed `g0`, `g1`, … (ICU allows only letters
    /// and digits in a group's name; `grad_norm` is what people write), and the names in
    /// order. Look-behinds `(?<=`, `(?<!`, escaped parentheses and character classes are left
    /// as they are.
    static func numberingGroups(in source: String) -> (pattern: String, names: [String]) {
        var names: [String] = []
        var pattern = ""
        let characters = Array(source)
        var index = 0
        var inClass = false
        while index < characters.count {
            let character = characters[index]
            if character == "\\" {
                pattern.append(character)
                if index + 1 < characters.count { pattern.append(characters[index + 1]) }
                index += 2
                continue
            }
            if inClass {
                if character == "]" { inClass = false }
            } else if character == "[" {
                inClass = true
            } else if character == "(", index + 3 < characters.count, characters[index + 1] == "?", characters[index + 2] == "<",
                      characters[index + 3] != "=", characters[index + 3] != "!" {
                var end = index + 3
                var name = ""
                while end < characters.count, characters[end] != ">" {
                    name.append(characters[end])
                    end += 1
                }
                pattern += "(?<g\(names.count)>"
                names.append(name)
                index = end + 1
                continue
            }
            pattern.append(character)
            index += 1
        }
        return (pattern, names)
    }
}
