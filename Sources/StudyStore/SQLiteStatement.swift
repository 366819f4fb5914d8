import CSQLite

/// A value bound to or read from SQLite.
enum SQLiteValue {
    case integer(Int64)
    case real(Double)
    case text(String)
    case null

    static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    static func optional(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
}

// SQLite's "transient" destructor: it copies bound text before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement of one connection.
final class SQLiteStatement {
    private let pointer: OpaquePointer?
    private unowned let connection: SQLiteConnection
    private let sql: String

    init(connection: SQLiteConnection, sql: String) throws {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection.handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK else {
            sqlite3_finalize(statement)
            throw StudyStoreError.sqlite(code: code, message: connection.message, statement: sql)
        }
        pointer = statement
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(pointer) }

    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    func bind(_ values: [SQLiteValue]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let x): code = sqlite3_bind_int64(pointer, index, x)
            case .real(let x): code = sqlite3_bind_double(pointer, index, x)
            case .text(let s): code = sqlite3_bind_text(pointer, index, s, -1, transient)
            case .null: code = sqlite3_bind_null(pointer, index)
            }
            guard code == SQLITE_OK else { throw StudyStoreError.sqlite(code: code, message: connection.message, statement: sql) }
        }
    }

    /// Advances; `true` while there is a row.
    func step() throws -> Bool {
        let code = sqlite3_step(pointer)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = connection.message
            sqlite3_reset(pointer)
            throw StudyStoreError.sqlite(code: code, message: message, statement: sql)
        }
    }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(pointer, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(pointer, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    func text(_ column: Int32) -> String { sqlite3_column_text(pointer, column).map { String(cString: $0) } ?? "" }
    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
}
