import Foundation

/// How an adapter finds the checkpoints an unmodified trainer writes: a file-name pattern with
/// one `{step}` (`checkpoint_{step}.pth`, `checkpoint_{step}`; `*` matches any characters but
/// `/`), searched for under the incarnation's checkpoint directory and a few folders below it
/// (Coqui puts each run in a dated folder of its own).
public struct CheckpointPattern: Sendable, Hashable {
    /// The pattern as written.
    public let text: String
    /// The trial's step of a checkpoint named with step 0 (NVIDIA's `checkpoint_k` holds the
    /// weights after its printed step k, which is the trial's step k + 1).
    public var stepOffset: Int
    /// How many folders below the checkpoint directory are searched.
    public var depth = 3
    private let expression: NSRegularExpression

    /// Parses `text`.
    /// - Throws: ``AdapterSettingError`` at `keyPath` unless it is a file name with exactly one `{step}`.
    public init(_ text: String, stepOffset: Int = 0, keyPath: String) throws {
        self.text = text
        self.stepOffset = stepOffset
        let parts = text.components(separatedBy: "{step}")
        guard parts.count == 2 else {
            throw AdapterSettingError(keyPath, "'\(text)' must name the step exactly once as {step}, e.g. checkpoint_{step}.pth")
        }
        guard !text.contains("/") else {
            throw AdapterSettingError(keyPath, "'\(text)' is a file name pattern, without folders (files are searched for under the checkpoint directory)")
        }
        func literal(_ part: String) -> String {
            part.split(separator: "*", omittingEmptySubsequences: false).map { NSRegularExpression.escapedPattern(for: String($0)) }
                .joined(separator: "[^/]*")
        }
        do {
            expression = try NSRegularExpression(pattern: "^" + literal(parts[0]) + "([0-9]+)" + literal(parts[1]) + "$")
        } catch {
            throw AdapterSettingError(keyPath, "'\(text)' cannot be read as a file name pattern")
        }
    }

    /// The trial's step of a file named `name` (`stepBase` added for a trainer that counts from 0
    /// again after a resume), or `nil` when the name does not match.
    public func step(ofFile name: String, stepBase: Int = 0) -> Int? {
        let range = NSRange(name.startIndex..., in: name)
        guard let match = expression.firstMatch(in: name, range: range), let digits = Range(match.range(at: 1), in: name),
              let printed = Int(name[digits]) else { return nil }
        return printed + stepOffset + stepBase
    }

    /// Every matching file under `directory` (to ``depth`` folders down), with its printed name's step.
    public func files(under directory: String, stepBase: Int = 0) -> [(path: String, step: Int)] {
        var found: [(String, Int)] = []
        var folders = [(directory, 0)]
        let files = FileManager.default
        while let (folder, level) = folders.popLast() {
            guard let names = try? files.contentsOfDirectory(atPath: folder) else { continue }
            for name in names {
                let path = (folder as NSString).appendingPathComponent(name)
                var isFolder: ObjCBool = false
                guard files.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
                if isFolder.boolValue {
                    if level < depth { folders.append((path, level + 1)) }
                } else if let step = step(ofFile: name, stepBase: stepBase) {
                    found.append((path, step))
                }
            }
        }
        return found.sorted { $0.1 < $1.1 }
    }
}
