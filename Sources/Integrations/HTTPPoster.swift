import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs for the HTTP sinks, with the outcome mapped to retry decisions: 429 honours
/// `Retry-After` (or Telegram's `parameters.retry_after`), 5xx and timeouts are retried,
/// other 4xx are not. Every message passes through the redactor.
struct HTTPPoster: Sendable {
    let session: URLSession
    let redactor: SecretRedactor

    init(timeout: Duration, redactor: SecretRedactor) {
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        session = URLSession(configuration: configuration)
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
            (data, response) = try await send(request)
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

    /// `session.data(for:)` without its cancellation deadlock in swift-corelibs-foundation:
    /// there, cancelling the awaiting task calls `URLSessionTask.cancel()`, which waits on the
    /// session's queue while holding the task's status lock, and a completion on that queue
    /// waits for the same lock (seen as a hung test run). Here the cancellation only schedules
    /// `cancel()` on another queue and returns; the completion handler resumes the caller.
    private func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let box = DataTaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let data, let response {
                        continuation.resume(returning: (data, response))
                    } else {
                        continuation.resume(throwing: error ?? URLError(.badServerResponse))
                    }
                }
                box.start(task)
            }
        } onCancel: {
            box.cancel()
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

/// The data task of one request, for cancelling it from a cancellation handler: `cancel()` only
/// schedules `URLSessionTask.cancel()` on a global queue (see ``HTTPPoster``); a task cancelled
/// before it started is cancelled as it starts.
private final class DataTaskBox: @unchecked Sendable {
    // @unchecked: `task` and `cancelled` are only read and written under `lock`.
    private let lock = NSLock()
    private var task: URLSessionDataTask?
    private var cancelled = false

    func start(_ task: URLSessionDataTask) {
        lock.lock()
        self.task = task
        let cancelled = self.cancelled
        lock.unlock()
        task.resume()
        if cancelled { DispatchQueue.global().async { task.cancel() } }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let task = self.task
        lock.unlock()
        if let task { DispatchQueue.global().async { task.cancel() } }
    }
}
