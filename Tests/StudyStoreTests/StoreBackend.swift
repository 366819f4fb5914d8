import Testing

@testable import StudyStore

/// A study-store implementation under test: how to name a fresh location and open it. The
/// contract suite runs every test once per backend in ``all``.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    let name: String
    private let makeLocation: @Sendable (String) throws -> String
    private let opener: @Sendable (String, Bool) throws -> any StudyStore

    /// Every backend the contract suite checks.
    static let all: [StoreBackend] = [.sqlite]

    /// SQLite files in the test's scratch folder.
    static let sqlite = StoreBackend(name: "SQLite", makeLocation: { try temporaryDirectory() + "/\($0).db" },
                                     opener: { try SQLiteStudyStore(path: $0, readOnly: $1) })

    /// A location no store has used yet (`name` tells several apart within one test).
    func location(_ name: String = "s") throws -> String { try makeLocation(name) }

    /// Opens the store at `location` (creating it unless `readOnly`).
    func open(_ location: String, readOnly: Bool = false) throws -> any StudyStore { try opener(location, readOnly) }

    var testDescription: String { name }
}
