import Foundation
import Training

/// Notices the checkpoints an unmodified trainer writes. A file counts once it has stopped
/// growing (the same size and modification time on two scans in a row: torch writes a large
/// checkpoint over seconds), or at once in the last scan after the trainer exited. Its
/// SHA-256 is computed by the tuner.
struct CheckpointWatch: Sendable {
    let pattern: CheckpointPattern
    let directory: String
    let stepBase: Int
    private var seen: [String: (size: UInt64, modified: Date)] = [:]
    private var reported: Set<String> = []

    init(pattern: CheckpointPattern, directory: String, stepBase: Int) {
        self.pattern = pattern
        self.directory = directory
        self.stepBase = stepBase
    }

    /// The checkpoints complete since the last scan, oldest step first; `final` when the trainer
    /// has exited (every file is complete then).
    mutating func scan(final: Bool) -> [Checkpoint] {
        var complete: [Checkpoint] = []
        for (path, step) in pattern.files(under: directory, stepBase: stepBase) where !reported.contains(path) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attributes[.size] as? NSNumber)?.uint64Value, let modified = attributes[.modificationDate] as? Date else { continue }
            let previous = seen[path]
            seen[path] = (size, modified)
            guard final || (previous?.size == size && previous?.modified == modified) else { continue }
            guard let digest = CheckpointDigest.hex(ofFile: path) else { continue }
            reported.insert(path)
            complete.append(Checkpoint(step: step, path: path, sha256: digest))
        }
        return complete
    }
}
