import Foundation

/// A PostgreSQL study store as a `postgresql://` URL names it, the way Optuna users (and
/// libpq) write it: `postgresql://user@host:5432/database?sslmode=verify-full&sslrootcert=ca.pem`.
///
/// The password never comes from the URL (a study file is shared and committed): it is read
/// from the environment variable ``passwordVariable`` (`PGPASSWORD` unless the study file's
/// `storage.password_env` names another). TLS options keep libpq's names and meanings.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode`.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS if the server offers it, without verifying the server (libpq tries plain text
        /// first; here it is the same as `prefer`).
        case allow
        /// TLS if the server offers it, without verifying the server (libpq's default).
        case prefer
        /// TLS, without verifying the server unless `sslrootcert` is given (then as `verify-ca`).
        case require
        /// TLS, the server's certificate signed by `sslrootcert` (or the system's roots).
        case verifyCA = "verify-ca"
        /// TLS, the certificate verified and its name matching the host.
        case verifyFull = "verify-full"
    }

    /// The host name or address; a path (starting with `/`) is a folder holding the server's Unix socket.
    public var host: String
    /// The port.
    public var port: Int
    /// The role to connect as.
    public var user: String
    /// The database.
    public var database: String
    /// libpq's `sslmode`.
    public var sslMode: SSLMode
    /// PEM file of the certificate authorities to trust (libpq's `sslrootcert`).
    public var sslRootCertificate: String?
    /// PEM file of the client's certificate (libpq's `sslcert`).
    public var sslCertificate: String?
    /// PEM file of the client's private key (libpq's `sslkey`).
    public var sslKey: String?
    /// Seconds to wait for a connection (libpq's `connect_timeout`; 10 when not given).
    public var connectTimeout: Int
    /// The name the server shows for the connection (libpq's `application_name`).
    public var applicationName: String
    /// The environment variable the password is read from.
    public var passwordVariable: String

    /// The query parameters a URL may carry.
    public static let parameters = ["sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name", "host", "port"]

    /// Reads a `postgresql://` (or `postgres://`, or SQLAlchemy's `postgresql+DRIVER://`) URL.
    /// - Throws: ``StudyStoreError/invalidLocation(_:)`` saying what was wrong and what would be valid.
    public init(url text: String, passwordVariable: String = "PGPASSWORD") throws {
        let form = "postgresql://USER@HOST:PORT/DATABASE[?sslmode=…]"
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgresql" || scheme == "postgres" || scheme.hasPrefix("postgresql+") else {
            throw StudyStoreError.invalidLocation("'\(Self.redacted(text))' is not a PostgreSQL URL; write \(form)")
        }
        guard components.password == nil else {
            throw StudyStoreError.invalidLocation("'\(Self.redacted(text))' holds a password; a study file is no place for one: "
                + "remove it and set \(passwordVariable) (or name another variable with storage.password_env)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.parameters.contains(item.name) else {
                throw StudyStoreError.invalidLocation("'\(item.name)' is not a connection parameter SmartTuner reads; valid: \(Self.parameters.joined(separator: ", "))")
            }
            query[item.name] = item.value ?? ""
        }
        guard let user = components.user.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw StudyStoreError.invalidLocation("'\(text)' names no user; write \(form)")
        }
        let database = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else {
            throw StudyStoreError.invalidLocation("'\(text)' names no database (or more than one path part); write \(form)")
        }
        let host = query["host"] ?? components.host.flatMap { $0.removingPercentEncoding } ?? ""
        guard !host.isEmpty else { throw StudyStoreError.invalidLocation("'\(text)' names no host; write \(form)") }
        let portText = query["port"] ?? components.port.map(String.init) ?? "5432"
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw StudyStoreError.invalidLocation("port '\(portText)' is not a port number (1–65535)")
        }
        let modeText = query["sslmode"] ?? "prefer"
        guard let mode = SSLMode(rawValue: modeText) else {
            throw StudyStoreError.invalidLocation("sslmode '\(modeText)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let timeoutText = query["connect_timeout"] ?? "10"
        guard let timeout = Int(timeoutText), timeout > 0 else {
            throw StudyStoreError.invalidLocation("connect_timeout '\(timeoutText)' is not a positive number of seconds")
        }
        for key in ["sslrootcert", "sslcert", "sslkey"] {
            if let path = query[key], !FileManager.default.isReadableFile(atPath: path) {
                throw StudyStoreError.invalidLocation("\(key) '\(path)' is not a readable file")
            }
        }
        if (query["sslcert"] == nil) != (query["sslkey"] == nil) {
            throw StudyStoreError.invalidLocation("sslcert and sslkey go together: give both or neither")
        }
        guard !passwordVariable.isEmpty else { throw StudyStoreError.invalidLocation("password_env is empty; name an environment variable") }
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.sslMode = mode
        self.sslRootCertificate = query["sslrootcert"]
        self.sslCertificate = query["sslcert"]
        self.sslKey = query["sslkey"]
        self.connectTimeout = timeout
        self.applicationName = query["application_name"] ?? "smart-tuner"
        self.passwordVariable = passwordVariable
    }

    /// The password, from the environment (`nil` when the variable is not set).
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment[passwordVariable]
    }

    /// The URL without options: `postgresql://user@host:port/database`.
    public var description: String { "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    /// `text` with any password in it replaced, for error messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(a URL)"
    }
}
