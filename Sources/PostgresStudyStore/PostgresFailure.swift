import PostgresNIO
import StudyStore
import _ConnectionPoolModule

/// What a postgres-nio error means for the store: the server refused a statement (a typed
/// ``StudyStoreError/postgres(sqlState:message:statement:)``), or the server could not be
/// reached or the connection was lost (``StudyStoreError/unavailable(location:reason:)``, a
/// transient fault the caller may retry once the server is back).
///
/// postgres-nio keeps its errors' descriptions vague on purpose (they may hold query data);
/// this reads the server's SQLSTATE and message, which hold no parameters.
enum PostgresFailure {
    /// SQLSTATEs worth retrying the whole transaction for: serialization failure, deadlock.
    static let retryable: Set<String> = ["40001", "40P01"]

    static func studyStoreError(_ error: any Error, location: PostgresLocation) -> StudyStoreError {
        if let error = error as? StudyStoreError { return error }
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? "?"
                let message = error.serverInfo?[.message] ?? "no message"
                // Class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now).
                if state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
                    return .unavailable(location: location.description, reason: "\(message) (SQLSTATE \(state))")
                }
                if state == "28P01" || state == "28000" {
                    return .postgres(sqlState: state, message: "\(message); give the password in \(location.passwordVariable)",
                                     statement: "")
                }
                return .postgres(sqlState: state, message: message, statement: error.query?.sql ?? "")
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection, .poolClosed, .queryCancelled:
                let underlying = error.underlying.map { " (\(String(describing: $0)))" } ?? ""
                return .unavailable(location: location.description, reason: "the connection failed or was lost\(underlying)")
            case .authMechanismRequiresPassword:
                return .postgres(sqlState: "28P01", message: "the server asks for a password; set \(location.passwordVariable)", statement: "")
            case .sslUnsupported:
                return .postgres(sqlState: "08P01", message: "the server does not offer TLS, and sslmode=\(location.sslMode.rawValue) requires it",
                                 statement: "")
            default:
                return .postgres(sqlState: "?", message: String(reflecting: error.code), statement: error.query?.sql ?? "")
            }
        }
        if let error = error as? ConnectionPoolError {
            return .unavailable(location: location.description, reason: "no connection could be made (\(error))")
        }
        // Anything else comes from the network stack (NIO's IOError, ChannelError, TLS) or a cancelled wait.
        return .unavailable(location: location.description, reason: String(describing: error))
    }
}
