import Foundation
import Testing

@testable import StudyStore

@Suite("Storage URLs as Optuna users write them")
struct PostgresLocationTests {
    @Test("postgresql://, postgres:// and SQLAlchemy's postgresql+driver:// name a PostgreSQL store; paths and sqlite:/// a file")
    func forms() throws {
        guard case .postgres(let a) = try StoreLocation("postgresql://tuner@db.lan:6543/studies") else { Issue.record("not postgres"); return }
        #expect(a.host == "db.lan" && a.port == 6543 && a.user == "tuner" && a.database == "studies" && a.sslMode == .prefer)
        #expect(a.description == "postgresql://tuner@db.lan:6543/studies" && a.passwordVariable == "PGPASSWORD")
        guard case .postgres(let b) = try StoreLocation("postgres://tuner@10.0.0.5/studies"), case .postgres(let c) = try StoreLocation("postgresql+psycopg://tuner@h/db")
        else { Issue.record("not postgres"); return }
        #expect(b.port == 5432 && b.host == "10.0.0.5" && c.host == "h" && c.database == "db")
        #expect(try StoreLocation("sqlite:///runs/studies.db") == .sqlite(path: "runs/studies.db"))
        #expect(try StoreLocation("sqlite:////abs/studies.db") == .sqlite(path: "/abs/studies.db"))
        #expect(try StoreLocation("runs/studies.db") == .sqlite(path: "runs/studies.db"))
    }

    @Test("libpq's options: sslmode, certificates, connect_timeout, application_name, a socket folder as host")
    func options() throws {
        let folder = NSTemporaryDirectory() + "smarttuner-pem-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["ca.pem", "client.pem", "client.key"] { _ = FileManager.default.createFile(atPath: "\(folder)/\(name)", contents: Data()) }
        let location = try PostgresLocation(url: "postgresql://tuner@db:5432/s?sslmode=verify-full&sslrootcert=\(folder)/ca.pem"
            + "&sslcert=\(folder)/client.pem&sslkey=\(folder)/client.key&connect_timeout=3&application_name=gpu-7")
        #expect(location.sslMode == .verifyFull && location.sslRootCertificate == "\(folder)/ca.pem" && location.sslKey == "\(folder)/client.key")
        #expect(location.connectTimeout == 3 && location.applicationName == "gpu-7")
        let socket = try PostgresLocation(url: "postgresql://tuner@localhost/s?host=/var/run/postgresql&port=5433")
        #expect(socket.host == "/var/run/postgresql" && socket.port == 5433)
        let named = try PostgresLocation(url: "postgresql://tuner@db/s", passwordVariable: "STUDY_DB_PASSWORD")
        #expect(named.password(environment: ["STUDY_DB_PASSWORD": "p", "PGPASSWORD": "q"]) == "p")
        #expect(named.password(environment: [:]) == nil)
    }

    @Test("bad URLs are refused saying what was wrong and what would be valid; a password in the URL is never echoed", arguments: [
        ("postgresql://tuner:hunter2@db/s", "holds a password"),
        ("postgresql://db/s", "names no user"),
        ("postgresql://tuner@db", "names no database"),
        ("postgresql://tuner@db/a/b", "names no database"),
        ("postgresql://tuner@db:0/s", "not a port number"),
        ("postgresql://tuner@db/s?sslmode=maybe", "is not one of disable, allow, prefer, require, verify-ca, verify-full"),
        ("postgresql://tuner@db/s?sslrootcert=/nonexistent/ca.pem", "is not a readable file"),
        ("postgresql://tuner@db/s?connect_timeout=0", "not a positive number of seconds"),
        ("postgresql://tuner@db/s?pool=9", "valid: sslmode, sslrootcert"),
        ("mysql://tuner@db/s", "no study store serves 'mysql://' URLs"),
        ("", "the storage is empty"),
    ])
    func badURLs(text: String, says: String) {
        let error = #expect(throws: StudyStoreError.self) { try StoreLocation(text) }
        #expect(error?.description.contains(says) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("hunter2") == false)
    }
}
