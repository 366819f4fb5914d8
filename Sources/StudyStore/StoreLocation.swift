import Foundation

/// Where a study store is, as the study file's `study.storage` or `--storage` gives it: a
/// file path or a `sqlite:` URL as Optuna writes it (`sqlite:///runs/studies.db`; four slashes for an absolute path).
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite file.
    case sqlite(path: String)

    /// Reads a location.
    /// - Throws: ``StudyStoreError/invalidLocation(_:)`` for an empty text or a URL scheme
    ///   no backend serves, saying what would be valid.
    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw StudyStoreError.invalidLocation("the storage is empty; \(Self.valid)") }
        if trimmed.hasPrefix("sqlite:///") {
            let path = String(trimmed.dropFirst("sqlite:///".count))
            guard !path.isEmpty else { throw StudyStoreError.invalidLocation("'\(text)' names no file; \(Self.valid)") }
            // Optuna's form: three slashes then a relative path, four for an absolute one.
            self = .sqlite(path: path)
        } else if let scheme = trimmed.range(of: "://").map({ String(trimmed[..<$0.lowerBound]) }), !scheme.contains("/") {
            throw StudyStoreError.invalidLocation("no study store serves '\(scheme)://' URLs; \(Self.valid)")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    private static let valid = "give a file path (studies.db) or a sqlite:/// URL (sqlite:///runs/studies.db)"

    /// Opens the store (creating it unless `readOnly`).
    public func open(readOnly: Bool = false) throws -> any StudyStore {
        switch self {
        case .sqlite(let path): return try SQLiteStudyStore(path: path, readOnly: readOnly)
        }
    }

    /// The file a SQLite location names (`nil` for a server).
    public var filePath: String? {
        switch self {
        case .sqlite(let path): return path
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        }
    }
}
