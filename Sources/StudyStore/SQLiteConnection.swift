import CSQLite
import Foundation

/// One SQLite connection configured for a shared study file: WAL journal, a busy timeout, and
/// write transactions that take the write lock up front (`BEGIN IMMEDIATE`) and are retried
/// whole when another process holds it. Not thread-safe: its owner serialises access.
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?
    let path: String
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens `path`. `create` allows creating a new file; `readOnly` never writes.
    init(path: String, create: Bool, readOnly: Bool = false, busyTimeoutMilliseconds: Int32 = 10_000) throws {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE)
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        guard code == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(code)"
            sqlite3_close_v2(db)
            handle = nil
            throw StudyStoreError.cannotOpen(path: path, reason: message)
        }
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The last error message.
    var message: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        defer { sqlite3_free(error) }
        guard code == SQLITE_OK else {
            throw StudyStoreError.sqlite(code: code, message: error.map { String(cString: $0) } ?? message, statement: sql)
        }
    }

    /// A prepared statement for `sql`, cached and reset for reuse.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Rows of `sql` with `arguments` bound, each read by `row`.
    func query<T>(_ sql: String, _ arguments: [SQLiteValue] = [], row: (SQLiteStatement) throws -> T) throws -> [T] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var rows: [T] = []
        while try statement.step() { rows.append(try row(statement)) }
        statement.reset()
        return rows
    }

    /// Runs `sql` once with `arguments`.
    func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        while try statement.step() {}
        statement.reset()
    }

    /// The rowid of the last insert.
    var lastInsertID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a write transaction; retried from the start (up to `attempts` times,
    /// with a growing pause) when the database is busy or locked by another process.
    func writeTransaction<T>(attempts: Int = 50, _ body: () throws -> T) throws -> T {
        try retryingWhileBusy(attempts: attempts) {
            try execute("BEGIN IMMEDIATE")
            do {
                let result = try body()
                try execute("COMMIT")
                return result
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` again, up to `attempts` times with a growing pause (1 ms · attempt², at most
    /// 200 ms; about 8 s in all), while it fails because another connection holds the database.
    /// SQLite returns busy without calling the busy handler where waiting could deadlock (a
    /// read lock upgraded to a write lock, as a journal-mode switch does), so the busy timeout
    /// alone does not cover every statement.
    func retryingWhileBusy<T>(attempts: Int = 50, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try body()
            } catch let error as StudyStoreError where error.isBusy && attempt < attempts {
                usleep(useconds_t(min(200_000, 1_000 * attempt * attempt)))
            }
        }
    }

    /// Runs `body` in a read transaction (one consistent snapshot).
    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        defer { try? execute("COMMIT") }
        return try body()
    }
}
