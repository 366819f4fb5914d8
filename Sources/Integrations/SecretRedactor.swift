import Foundation

/// Removes secrets (bot tokens, passwords) from any text before it is logged, stored or
/// thrown. Secrets come from the environment and are never printed.
public struct SecretRedactor: Sendable {
    private let secrets: [String]

    /// A redactor for these secret values (empty and very short ones are ignored).
    public init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by "‹redacted›".
    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "‹redacted›") }
    }
}
