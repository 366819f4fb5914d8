import Crypto
import Foundation

/// Verifies any checkpoint file against a SHA-256 (hex), whichever trainer wrote it.
public enum CheckpointDigest {
    /// The file's SHA-256 as lowercase hex, or `nil` if it cannot be read.
    public static func hex(ofFile path: String) -> String? {
        FileManager.default.contents(atPath: path).map(hex(of:))
    }

    /// The SHA-256 of `data` as lowercase hex.
    public static func hex(of data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the file exists and its SHA-256 is `expected` (case-insensitive).
    public static func verify(path: String, expected: String) -> Bool {
        hex(ofFile: path) == expected.lowercased()
    }
}
