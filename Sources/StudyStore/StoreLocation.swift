import Foundation

/// Where a study store is, as the study file's `study.storage` or `--storage` gives it, the way
/// Optuna users write it: a file path or a `sqlite:` URL (`sqlite:///runs/studies.db`; four
/// slashes for an absolute path), or a `postgresql://user@host:5432/database` URL.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL database.
    case postgres(PostgresLocation)

    /// Reads a location.
    /// - Parameter passwordVariable: for a PostgreSQL URL, the environment variable holding the password.
    /// - Throws: ``StudyStoreError/invalidLocation(_:)`` for an empty text, a URL scheme no
    ///   backend serves or a malformed PostgreSQL URL, saying what would be valid.
    public init(_ text: String, passwordVariable: String = "PGPASSWORD") throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw StudyStoreError.invalidLocation("the storage is empty; \(Self.valid)") }
        let scheme = trimmed.range(of: "://").map { String(trimmed[..<$0.lowerBound]) }
        if trimmed.hasPrefix("sqlite:///") {
            let path = String(trimmed.dropFirst("sqlite:///".count))
            guard !path.isEmpty else { throw StudyStoreError.invalidLocation("'\(text)' names no file; \(Self.valid)") }
            // Optuna's form: three slashes then a relative path, four for an absolute one.
            self = .sqlite(path: path)
        } else if let scheme, scheme == "postgresql" || scheme == "postgres" || scheme.hasPrefix("postgresql+") {
            self = .postgres(try PostgresLocation(url: trimmed, passwordVariable: passwordVariable))
        } else if let scheme, !scheme.contains("/") {
            throw StudyStoreError.invalidLocation("no study store serves '\(scheme)://' URLs; \(Self.valid)")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    private static let valid = "give a file path (studies.db), a sqlite:/// URL (sqlite:///runs/studies.db) "
        + "or a postgresql:// URL (postgresql://user@host:5432/database)"

    /// The file a SQLite location names (`nil` for a server).
    public var filePath: String? {
        switch self {
        case .sqlite(let path): return path
        case .postgres: return nil
        }
    }

    /// The file path, or the server's URL without password or options.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location): return location.description
        }
    }
}
