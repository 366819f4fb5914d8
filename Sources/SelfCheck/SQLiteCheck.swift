import CSQLite
import Foundation

/// Checks that SQLite works as the study store needs: WAL journal, a transaction of inserts,
/// a second connection reading them, and an intact database.
public struct SQLiteCheck: Sendable {
    /// What the check found.
    public struct Result: Sendable, Codable {
        /// The SQLite library version.
        public let version: String
        /// The journal mode the database ended up in ("wal" when it works).
        public let journalMode: String
        /// Rows inserted in one transaction.
        public let rows: Int
        /// Inserts per second in that transaction.
        public let insertsPerSecond: Double
        /// `PRAGMA integrity_check` as read by a second connection.
        public let integrity: String
    }

    /// A failure of SQLite itself, with its message.
    public struct Failure: Error, CustomStringConvertible {
        /// What was being done, and SQLite's message.
        public let description: String
    }

    /// Rows to insert.
    public var rows: Int

    /// Creates a check inserting `rows` rows.
    public init(rows: Int = 10_000) { self.rows = max(1, rows) }

    /// Runs the check in a fresh temporary directory, removed afterwards.
    public func run() throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("smart-tuner-selfcheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("check.sqlite").path

        let writer = try open(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        defer { sqlite3_close_v2(writer) }
        let mode = try scalar(writer, "PRAGMA journal_mode=WAL")
        try execute(writer, "CREATE TABLE values_log (id INTEGER PRIMARY KEY, step INTEGER, value REAL)")
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            try execute(writer, "BEGIN IMMEDIATE")
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(writer, "INSERT INTO values_log (step, value) VALUES (?, ?)", -1, &statement, nil) == SQLITE_OK else {
                throw failure(writer, "preparing an insert")
            }
            defer { sqlite3_finalize(statement) }
            for step in 0..<rows {
                sqlite3_bind_int64(statement, 1, Int64(step))
                sqlite3_bind_double(statement, 2, Double(step) * 0.001)
                guard sqlite3_step(statement) == SQLITE_DONE else { throw failure(writer, "inserting row \(step)") }
                sqlite3_reset(statement)
            }
            try execute(writer, "COMMIT")
        }
        let reader = try open(path, flags: SQLITE_OPEN_READONLY)
        defer { sqlite3_close_v2(reader) }
        let count = try scalar(reader, "SELECT COUNT(*) FROM values_log")
        guard count == String(rows) else {
            throw Failure(description: "a second connection read \(count) rows instead of \(rows)")
        }
        return Result(version: String(cString: sqlite3_libversion()), journalMode: mode, rows: rows,
                      insertsPerSecond: Double(rows) / max(elapsed.seconds, 1e-9),
                      integrity: try scalar(reader, "PRAGMA integrity_check"))
    }

    private func open(_ path: String, flags: Int32) throws -> OpaquePointer? {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK else {
            defer { sqlite3_close_v2(db) }
            throw failure(db, "opening \(path)")
        }
        sqlite3_busy_timeout(db, 5_000)
        return db
    }

    private func execute(_ db: OpaquePointer?, _ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw failure(db, sql) }
    }

    private func scalar(_ db: OpaquePointer?, _ sql: String) throws -> String {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { throw failure(db, sql) }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else {
            throw failure(db, sql)
        }
        return String(cString: text)
    }

    private func failure(_ db: OpaquePointer?, _ doing: String) -> Failure {
        let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
        return Failure(description: "SQLite failed while \(doing): \(message)")
    }
}
