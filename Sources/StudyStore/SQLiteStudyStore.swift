import CSQLite
import Foundation
import Optimization

/// The durable state of studies in one SQLite file (DESIGN §7): studies, trials with their
/// parameters, values and intermediate values in Optuna's schema, and SmartTuner's events,
/// checkpoints, restarts and model registry beside them.
///
/// Several processes may share a file: WAL journal, a busy timeout, and write transactions
/// that take the lock up front and retry. One write transaction per trial state transition;
/// intermediate values, checkpoints and events are written in batches.
///
/// Calls are synchronous and short (tens of microseconds); under contention from other
/// processes they may wait for the lock.
///
/// Safety of `@unchecked Sendable`: the only mutable state is `state` (the connection and its
/// cache); it is private to this file's `withConnection`, which touches it only while holding
/// `lock`, and no reference to the connection escapes a locked section.
public final class SQLiteStudyStore: StudyStore, @unchecked Sendable {
    /// The file.
    public let path: String
    /// Where the store is: ``StoreLocation/sqlite(path:)``.
    public var location: StoreLocation { .sqlite(path: path) }
    /// Whether this store never writes.
    public let readOnly: Bool
    private let lock = NSLock()
    private var state: StoreState
    /// The newest SmartTuner store schema this version understands.
    public static let schemaVersion = StudySchema.migrations.count

    /// Opens (or, unless `readOnly`, creates) a study file. An existing file is checked
    /// before anything is written: a file that is not SQLite, a SQLite file of another
    /// application, or one from a newer SmartTuner is refused with a clear error.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        self.readOnly = readOnly
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw StudyStoreError.cannotOpen(path: path, reason: "no such file") }
        let connection = try SQLiteConnection(path: path, create: !readOnly, readOnly: readOnly)
        let version = try Self.prepare(connection, path: path, readOnly: readOnly)
        state = StoreState(connection: connection, schemaVersion: version)
    }

    /// Checks (and unless read-only, creates or migrates) the file; returns the SmartTuner
    /// schema version it has now.
    private static func prepare(_ connection: SQLiteConnection, path: String, readOnly: Bool) throws -> Int {
        let tables: Set<String>
        do {
            tables = Set(try connection.query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) })
        } catch let error as StudyStoreError {
            if case .sqlite(let code, let message, _) = error, code & 0xFF == SQLITE_NOTADB || code & 0xFF == SQLITE_CORRUPT {
                throw StudyStoreError.notADatabase(path: path, reason: message)
            }
            throw error
        }
        let hasOptuna = !tables.isDisjoint(with: StudySchema.optunaTables)
        if hasOptuna {
            let missing = StudySchema.optunaTables.subtracting(tables)
            guard missing.isEmpty else {
                throw StudyStoreError.foreignDatabase(path: path, reason: "Optuna tables are missing: \(missing.sorted().joined(separator: ", "))")
            }
            let revision = try connection.query("SELECT version_num FROM alembic_version") { $0.text(0) }.first
            guard revision == StudySchema.optunaAlembicRevision else {
                throw StudyStoreError.foreignDatabase(path: path, reason: "its Optuna schema revision is \(revision ?? "unknown"), this version reads \(StudySchema.optunaAlembicRevision)")
            }
        } else if !tables.isEmpty {
            throw StudyStoreError.foreignDatabase(path: path, reason: "it holds other tables (\(tables.sorted().prefix(5).joined(separator: ", ")))")
        }
        let version = tables.contains("smarttuner_schema")
            ? (try connection.query("SELECT version FROM smarttuner_schema") { $0.int(0) }.first ?? 0) : 0
        if version > StudySchema.migrations.count {
            throw StudyStoreError.newerSchema(path: path, found: version, supported: StudySchema.migrations.count)
        }
        if readOnly {
            guard hasOptuna else { throw StudyStoreError.foreignDatabase(path: path, reason: "it has no study tables") }
            return version
        }
        // A new file's first openers race to switch it to WAL (the mode then stays with the file).
        try connection.retryingWhileBusy { try connection.execute("PRAGMA journal_mode = WAL") }
        try connection.execute("PRAGMA synchronous = NORMAL")
        try connection.execute("PRAGMA foreign_keys = ON")
        guard !hasOptuna || version < StudySchema.migrations.count else { return version }
        try connection.writeTransaction {
            // Re-read inside the lock: another process may have migrated meanwhile.
            let now = Set(try connection.query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) })
            if now.isDisjoint(with: StudySchema.optunaTables) { try connection.execute(StudySchema.optuna) }
            var current = now.contains("smarttuner_schema") ? (try connection.query("SELECT version FROM smarttuner_schema") { $0.int(0) }.first ?? 0) : 0
            while current < StudySchema.migrations.count {
                try connection.execute(StudySchema.migrations[current])
                current += 1
                try connection.run("UPDATE smarttuner_schema SET version = ?", [.int(current)])
            }
        }
        return StudySchema.migrations.count
    }

    /// Runs `body` with the connection.
    func withConnection<T>(_ body: (inout StoreState) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    /// Fails unless writable.
    func requireWritable() throws {
        if readOnly { throw StudyStoreError.invalidState("the study file \(path) is open read-only") }
    }

    /// The names of the studies in the file.
    public func studyNames() throws -> [String] {
        try withConnection { try $0.connection.query("SELECT study_name FROM studies ORDER BY study_id") { $0.text(0) } }
    }

    /// `PRAGMA integrity_check` ("ok" when intact).
    public func integrityCheck() throws -> String {
        try withConnection { try $0.connection.query("PRAGMA integrity_check") { $0.text(0) }.joined(separator: "; ") }
    }

    /// Creates the study, or opens it if it exists with the same search space and direction.
    /// A larger `targetTrials` than stored raises the study's budget; a given configuration
    /// replaces the stored one.
    public func createOrOpen(_ definition: StudyDefinition) throws -> StoredStudy {
        try requireWritable()
        let spaceJSON = try Self.encode(definition.space)
        return try withConnection { state in
            let connection = state.connection
            return try connection.writeTransaction {
                if let existing = try Self.loadStudy(named: definition.name, connection) {
                    let stored = existing.definition
                    guard stored.direction == definition.direction else {
                        throw StudyStoreError.studyMismatch(name: definition.name, reason: "direction \(stored.direction.rawValue), not \(definition.direction.rawValue)")
                    }
                    guard stored.space == definition.space else {
                        throw StudyStoreError.studyMismatch(name: definition.name, reason: "its search space differs")
                    }
                    if let configuration = definition.configurationJSON, configuration != stored.configurationJSON {
                        // The newest run's configuration is what `status` and `monitor` show.
                        try connection.run("UPDATE smarttuner_studies SET configuration_json = ? WHERE study_id = ?",
                                           [.text(configuration), .integer(existing.id)])
                    }
                    if definition.targetTrials > stored.targetTrials {
                        try connection.run("UPDATE smarttuner_studies SET target_trials = ? WHERE study_id = ?",
                                           [.int(definition.targetTrials), .integer(existing.id)])
                    }
                    return try Self.loadStudy(named: definition.name, connection) ?? existing
                }
                try connection.run("INSERT INTO studies (study_name) VALUES (?)", [.text(definition.name)])
                let id = connection.lastInsertID
                try connection.run("INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, 0)",
                                   [.text(definition.direction.optunaName), .integer(id)])
                try connection.run("""
                    INSERT INTO smarttuner_studies (study_id, space_json, seed, target_trials, configuration_json) VALUES (?, ?, ?, ?, ?)
                    """, [.integer(id), .text(spaceJSON), .integer(Int64(bitPattern: definition.seed)), .int(definition.targetTrials),
                          .optional(definition.configurationJSON)])
                return StoredStudy(id: id, definition: definition)
            }
        }
    }

    /// The study named `name`.
    public func study(named name: String) throws -> StoredStudy {
        try withConnection { state in
            if let study = try Self.loadStudy(named: name, state.connection) { return study }
            let names = try state.connection.query("SELECT study_name FROM studies ORDER BY study_id") { $0.text(0) }
            throw StudyStoreError.noSuchStudy(name: name, available: names)
        }
    }

    static func loadStudy(named name: String, _ connection: SQLiteConnection) throws -> StoredStudy? {
        let rows = try connection.query("""
            SELECT s.study_id, d.direction, m.space_json, m.seed, m.target_trials, m.configuration_json
            FROM studies s JOIN study_directions d ON d.study_id = s.study_id AND d.objective = 0
            LEFT JOIN smarttuner_studies m ON m.study_id = s.study_id WHERE s.study_name = ?
            """, [.text(name)]) { row in
            (row.int(0), row.text(1), row.optionalText(2), row.int(3), row.int(4), row.optionalText(5))
        }
        guard let row = rows.first else { return nil }
        guard let spaceJSON = row.2 else {
            throw StudyStoreError.foreignDatabase(path: connection.path, reason: "study '\(name)' was created by Optuna, not SmartTuner; it has no SmartTuner search space")
        }
        let space = try JSONDecoder().decode(SearchSpace.self, from: Data(spaceJSON.utf8))
        let definition = StudyDefinition(name: name, direction: row.1 == "MAXIMIZE" ? .maximize : .minimize, space: space,
                                         seed: UInt64(bitPattern: Int64(row.3)), targetTrials: row.4, configurationJSON: row.5)
        return StoredStudy(id: Int64(row.0), definition: definition)
    }

    static func encode<T: Encodable>(_ value: T) throws -> String { try StoredRows.json(value) }
}

/// The connection and the snapshot cache, guarded by the store's mutex.
struct StoreState {
    let connection: SQLiteConnection
    /// The file's SmartTuner schema version (older than ours only when opened read-only).
    let schemaVersion: Int
    /// Trials by row id, per study, as of `revisions[study]`.
    var cache: [Int64: [Int64: StoredTrial]] = [:]
    var revisions: [Int64: Int] = [:]
}
