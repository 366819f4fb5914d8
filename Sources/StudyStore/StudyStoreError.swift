import CSQLite

/// Why the study store could not do something. Every case says what was wrong and, where
/// there is one, what would be valid.
public enum StudyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened.
    case cannotOpen(path: String, reason: String)
    /// The file is not a SQLite database, or is damaged.
    case notADatabase(path: String, reason: String)
    /// The database is SQLite but not a study database this version can use.
    case foreignDatabase(path: String, reason: String)
    /// The database was written by a newer SmartTuner.
    case newerSchema(path: String, found: Int, supported: Int)
    /// No study of that name.
    case noSuchStudy(name: String, available: [String])
    /// No trial of that number.
    case noSuchTrial(study: String, number: Int)
    /// The study exists with a different definition.
    case studyMismatch(name: String, reason: String)
    /// A trial is not in a state that allows the operation.
    case invalidState(String)
    /// The trial was taken over: it is at a newer incarnation than the one writing, whose
    /// result is therefore dropped.
    case supersededGeneration(trial: Int, current: Int, writing: Int)
    /// No registered model matches.
    case noSuchModel(String)
    /// A storage location no store serves.
    case invalidLocation(String)
    /// A stored row this version cannot read (the store is damaged or was written by another tool).
    case unreadable(String)
    /// SQLite reported an error.
    case sqlite(code: Int32, message: String, statement: String)
    /// The PostgreSQL server refused a statement (its SQLSTATE and message).
    case postgres(sqlState: String, message: String, statement: String)
    /// The database server could not be reached, or the connection to it was lost: a
    /// transient fault (the write may be retried once it is back).
    case unavailable(location: String, reason: String)

    /// Whether another process holds the database (worth retrying).
    var isBusy: Bool {
        guard case .sqlite(let code, _, _) = self else { return false }
        return code & 0xFF == SQLITE_BUSY || code & 0xFF == SQLITE_LOCKED
    }

    /// Whether the store could not be reached (worth retrying later; nothing was written).
    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the study database \(path): \(reason)"
        case .notADatabase(let path, let reason):
            return "\(path) is not a usable SQLite database (\(reason)); give a study file written by SmartTuner or Optuna, or a new path"
        case .foreignDatabase(let path, let reason):
            return "\(path) is a SQLite database but not a study database: \(reason); give a study file written by SmartTuner or Optuna (schema v12), or a new path"
        case .newerSchema(let path, let found, let supported):
            return "\(path) was written by a newer SmartTuner (store schema \(found); this version reads up to \(supported)); upgrade smart-tuner"
        case .noSuchStudy(let name, let available):
            return "no study named '\(name)'" + (available.isEmpty ? " (the file has no studies)" : "; the file has: \(available.joined(separator: ", "))")
        case .noSuchTrial(let study, let number):
            return "study '\(study)' has no trial number \(number)"
        case .studyMismatch(let name, let reason):
            return "study '\(name)' already exists with a different definition: \(reason); use a new study name or the original configuration"
        case .invalidState(let reason):
            return reason
        case .supersededGeneration(let trial, let current, let writing):
            return "trial \(trial) is at generation \(current), not \(writing): a stale incarnation's result is dropped"
        case .noSuchModel(let reason):
            return reason
        case .invalidLocation(let reason):
            return "invalid study storage: \(reason)"
        case .unreadable(let reason):
            return "unreadable study data: \(reason)"
        case .sqlite(let code, let message, let statement):
            return "SQLite error \(code): \(message) (in: \(statement.prefix(80)))"
        case .postgres(let state, let message, let statement):
            return "PostgreSQL error \(state): \(message)" + (statement.isEmpty ? "" : " (in: \(statement.prefix(80)))")
        case .unavailable(let location, let reason):
            return "the study database \(location) is unavailable: \(reason)"
        }
    }
}
