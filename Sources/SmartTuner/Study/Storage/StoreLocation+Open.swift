import Foundation
import Logging
import PostgresStudyStore
import StudyStore

extension StoreLocation {
    /// Opens the store here: a SQLite file (created unless `readOnly`), or a connection pool to
    /// a PostgreSQL database (its tables created or migrated unless `readOnly`).
    /// - Throws: ``StudyStoreError`` saying what is wrong: a file that is not a study file, a
    ///   server that cannot be reached (``StudyStoreError/unavailable(location:reason:)``), a
    ///   schema from a newer SmartTuner.
    public func open(readOnly: Bool = false, environment: [String: String] = ProcessInfo.processInfo.environment,
                     logger: Logger = Logger(label: "smart-tuner.store")) async throws -> any StudyStore {
        switch self {
        case .sqlite(let path): return try SQLiteStudyStore(path: path, readOnly: readOnly)
        case .postgres(let server): return try await PostgresStudyStore(server: server, readOnly: readOnly, environment: environment, logger: logger)
        }
    }
}
