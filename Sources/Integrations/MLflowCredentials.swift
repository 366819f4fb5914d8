import Foundation

/// How requests to an MLflow server authenticate, from the environment as MLflow's own client
/// reads it: `MLFLOW_TRACKING_TOKEN` (a bearer token), else `MLFLOW_TRACKING_USERNAME` and
/// `MLFLOW_TRACKING_PASSWORD` (basic auth). Never from a file; never printed (``redactor``).
public struct MLflowCredentials: Sendable {
    /// The `Authorization` header's value, if any.
    let authorization: String?
    /// Removes the secrets from any text.
    public let redactor: SecretRedactor

    /// The credentials `environment` gives (none when it gives none).
    public init(environment: [String: String]) {
        if let token = environment["MLFLOW_TRACKING_TOKEN"], !token.isEmpty {
            authorization = "Bearer \(token)"
            redactor = SecretRedactor(secrets: [token])
        } else if let user = environment["MLFLOW_TRACKING_USERNAME"], let password = environment["MLFLOW_TRACKING_PASSWORD"] {
            let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
            authorization = "Basic \(encoded)"
            redactor = SecretRedactor(secrets: [password, encoded])
        } else {
            authorization = nil
            redactor = SecretRedactor(secrets: [])
        }
    }
}
