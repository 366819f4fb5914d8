import CSQLite
import Foundation
import Testing

@Suite("SQLite system library")
struct SQLiteTests {
    @Test("a database opens in WAL mode, commits a transaction, and a second connection reads it")
    func walDatabase() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smarttuner-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("study.sqlite").path

        var writer: OpaquePointer?
        #expect(sqlite3_open_v2(path, &writer, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK)
        defer { sqlite3_close_v2(writer) }
        #expect(scalarText(writer, "PRAGMA journal_mode=WAL") == "wal")
        #expect(sqlite3_busy_timeout(writer, 5_000) == SQLITE_OK)
        #expect(sqlite3_exec(writer, "CREATE TABLE trials (id INTEGER PRIMARY KEY, value REAL NOT NULL)", nil, nil, nil) == SQLITE_OK)

        #expect(sqlite3_exec(writer, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        var insert: OpaquePointer?
        #expect(sqlite3_prepare_v2(writer, "INSERT INTO trials (value) VALUES (?)", -1, &insert, nil) == SQLITE_OK)
        for value in 0..<1_000 {
            sqlite3_bind_double(insert, 1, Double(value) * 0.5)
            #expect(sqlite3_step(insert) == SQLITE_DONE)
            sqlite3_reset(insert)
        }
        sqlite3_finalize(insert)
        #expect(sqlite3_exec(writer, "COMMIT", nil, nil, nil) == SQLITE_OK)
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))

        var reader: OpaquePointer?
        #expect(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, nil) == SQLITE_OK)
        defer { sqlite3_close_v2(reader) }
        #expect(scalarText(reader, "SELECT COUNT(*) FROM trials") == "1000")
        #expect(scalarText(reader, "SELECT SUM(value) FROM trials") == "249750.0")
        #expect(scalarText(reader, "PRAGMA integrity_check") == "ok")
    }

    private func scalarText(_ db: OpaquePointer?, _ sql: String) -> String? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { return nil }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return nil }
        return String(cString: text)
    }
}
