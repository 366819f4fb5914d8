/// What a dashboard request can be refused for; each becomes an HTML page with its status.
public enum DashboardError: Error, Sendable, Equatable {
    /// 404: no such study, trial or file; says what exists.
    case notFound(String)
    /// 400: a bad parameter; says what is valid.
    case badRequest(String)
    /// 401: no token, or a wrong one (never says which).
    case unauthorized
}
