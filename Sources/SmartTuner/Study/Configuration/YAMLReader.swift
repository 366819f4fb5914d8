import Yams

/// Reads typed values out of a YAML node tree, rejecting unknown keys and wrong types with
/// errors that carry the file, line, column and key path.
struct YAMLReader {
    let file: String

    func error(_ node: Node?, _ path: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, keyPath: path, message: message)
    }

    /// The keys of a mapping, each checked against `allowed`.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw error(node, path, "expected a mapping with keys from: \(allowed.joined(separator: ", "))")
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, path, "keys must be text") }
            let keyPath = path.isEmpty ? name : "\(path).\(name)"
            guard allowed.contains(name) else {
                throw error(key, keyPath, "unknown key; valid keys here: \(allowed.joined(separator: ", "))")
            }
            guard result[name] == nil else { throw error(key, keyPath, "given twice") }
            result[name] = value
        }
        return result
    }

    /// A mapping of any keys (search spaces, fixed values).
    func anyMapping(_ node: Node, _ path: String) throws -> [(String, Node, Node)] {
        guard case .mapping(let mapping) = node else { throw error(node, path, "expected a mapping of names to values") }
        return try mapping.map { key, value in
            guard let name = key.string, !name.isEmpty else { throw error(key, path, "names must be non-empty text") }
            return (name, key, value)
        }
    }

    func string(_ node: Node, _ path: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, path, "expected text") }
        return scalar.string
    }

    func int(_ node: Node, _ path: String, range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .scalar = node, let value = node.int else { throw error(node, path, "expected an integer, got \(describe(node))") }
        if let range, !range.contains(value) { throw error(node, path, "must be from \(range.lowerBound) to \(range.upperBound), got \(value)") }
        return value
    }

    func double(_ node: Node, _ path: String) throws -> Double {
        guard case .scalar(let scalar) = node else { throw error(node, path, "expected a number, got \(describe(node))") }
        // YAML 1.1 reads 1e-3 as text; accept any decimal notation.
        guard let value = node.float ?? Double(scalar.string), value.isFinite || scalar.string.contains("inf") else {
            throw error(node, path, "expected a number, got \(describe(node))")
        }
        return value
    }

    func bool(_ node: Node, _ path: String) throws -> Bool {
        guard case .scalar = node, let value = node.bool else { throw error(node, path, "expected true or false, got \(describe(node))") }
        return value
    }

    func strings(_ node: Node, _ path: String) throws -> [String] {
        guard case .sequence(let sequence) = node else { throw error(node, path, "expected a list, e.g. [python3, train.py]") }
        return try sequence.enumerated().map { try string($1, "\(path)[\($0)]") }
    }

    func choice<T>(_ node: Node, _ path: String, _ options: [String: T]) throws -> T {
        let text = try string(node, path)
        guard let value = options[text] else {
            throw error(node, path, "'\(text)' is not one of: \(options.keys.sorted().joined(separator: ", "))")
        }
        return value
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
