import Foundation
import PostgresStudyStore
import Testing
import TestPostgres

@testable import StudyStore

/// A study-store implementation under test: how to name a fresh location and open it. The
/// contract suite runs every test once per backend in ``all``.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    let name: String
    private let makeLocation: @Sendable (String) async throws -> String
    private let opener: @Sendable (String, Bool) async throws -> any StudyStore

    /// Every backend the contract suite checks.
    static let all: [StoreBackend] = [.sqlite, .postgres]

    /// SQLite files in the test's scratch folder.
    static let sqlite = StoreBackend(name: "SQLite", makeLocation: { try temporaryDirectory() + "/\($0).db" },
                                     opener: { try SQLiteStudyStore(path: $0, readOnly: $1) })

    /// A new database on the PostgreSQL server of ``PostgresTestServer`` per location.
    static let postgres = StoreBackend(name: "PostgreSQL", makeLocation: { _ in try await PostgresTestServer.newDatabaseURL() },
                                       opener: { try await PostgresStudyStore(server: PostgresLocation(url: $0), readOnly: $1) })

    /// A location no store has used yet (`name` tells several apart within one test).
    func location(_ name: String = "s") async throws -> String { try await makeLocation(name) }

    /// Opens the store at `location` (creating it unless `readOnly`).
    func open(_ location: String, readOnly: Bool = false) async throws -> any StudyStore { try await opener(location, readOnly) }

    var testDescription: String { name }
}
