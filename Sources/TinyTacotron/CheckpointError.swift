/// Why a checkpoint could not be written or used.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read or written.
    case unreadable(path: String, reason: String)
    /// No `.sha256` file beside the checkpoint.
    case missingDigest(path: String)
    /// The file's SHA-256 is not the one written beside it: it is corrupt or truncated.
    case digestMismatch(path: String, expected: String, actual: String)
    /// The file is not a valid safetensors file.
    case malformed(path: String, reason: String)
    /// A valid file that does not fit this model (other sizes, missing tensors, foreign metadata).
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot use checkpoint \(path): \(reason)"
        case .missingDigest(let path): return "checkpoint \(path) has no \(path).sha256 beside it, so it cannot be verified"
        case .digestMismatch(let path, let expected, let actual):
            return "checkpoint \(path) is corrupt or truncated: its SHA-256 is \(actual), the recorded one is \(expected)"
        case .malformed(let path, let reason): return "checkpoint \(path) is not a valid safetensors file: \(reason)"
        case .mismatch(let path, let reason): return "checkpoint \(path) does not fit this model: \(reason)"
        }
    }
}
