import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs for the HTTP sinks, with the outcome mapped to retry decisions: 429 honours
/// `Retry-After` (or Telegram's `parameters.retry_after`), 5xx and timeouts are retried,
/// other 4xx are not. Every message passes through the redactor.
struct HTTPPoster: Sendable {
    let transport: HTTPTransport
    let redactor: SecretRedactor

    init(timeout: Duration, redactor: SecretRedactor) {
        transport = HTTPTransport(timeout: timeout)
        self.redactor = redactor
    }

    /// POSTs `body`; returns the response body of a 2xx answer.
    func post(_ url: URL, body: Data, contentType: String, headers: [String: String] = [:]) async throws -> Data {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await transport.send(request)
        } catch {
            throw AlertDeliveryError(redactor.redact("request to \(url.absoluteString) failed: \(error.localizedDescription)"), retryable: true)
        }
        guard let http = response as? HTTPURLResponse else {
            throw AlertDeliveryError("no HTTP response", retryable: true)
        }
        switch http.statusCode {
        case 200..<300:
            return data
        case 429:
            throw AlertDeliveryError(redactor.redact("rate limited by \(url.host ?? "the server") (429)"), retryable: true,
                                     retryAfter: Self.retryAfter(http, body: data))
        case 500...:
            throw AlertDeliveryError("server error \(http.statusCode)", retryable: true)
        default:
            let text = String(decoding: data.prefix(300), as: UTF8.self)
            throw AlertDeliveryError(redactor.redact("refused with \(http.statusCode): \(text)"), retryable: false)
        }
    }

    static func retryAfter(_ response: HTTPURLResponse, body: Data) -> Duration? {
        if let header = response.value(forHTTPHeaderField: "Retry-After"), let seconds = Double(header) {
            return .milliseconds(Int(seconds * 1_000))
        }
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
           let parameters = object["parameters"] as? [String: Any], let seconds = parameters["retry_after"] as? Double {
            return .milliseconds(Int(seconds * 1_000))
        }
        return nil
    }
}
