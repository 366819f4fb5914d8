import Foundation

/// Alerts POSTed as JSON to a URL: `{"kind", "trial_id", "title", "message", "repeats", "time"}`.
public struct WebhookSink: AlertSink {
    public let name = "webhook"
    /// Where alerts go.
    public let url: URL
    private let poster: HTTPPoster
    private let headers: [String: String]

    /// A webhook to `url`; `bearerToken` (from the environment) is sent as `Authorization`.
    public init(url: URL, bearerToken: String? = nil, timeout: Duration = .seconds(10)) {
        self.url = url
        poster = HTTPPoster(timeout: timeout, redactor: SecretRedactor(secrets: bearerToken.map { [$0] } ?? []))
        headers = bearerToken.map { ["Authorization": "Bearer \($0)"] } ?? [:]
    }

    public func deliver(_ alert: Alert, repeats: Int) async throws {
        let body: [String: Any] = [
            "kind": alert.kind.rawValue, "trial_id": alert.trialID ?? NSNull(), "title": alert.title, "message": alert.message,
            "repeats": repeats, "time": ISO8601DateFormatter().string(from: alert.time),
        ]
        _ = try await poster.post(url, body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]),
                                  contentType: "application/json", headers: headers)
    }
}
