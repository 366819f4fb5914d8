import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One URLSession for an integration's requests (kept-alive connections, one timeout), sent
/// so that cancelling the waiting task never hangs.
struct HTTPTransport: Sendable {
    let session: URLSession

    init(timeout: Duration) {
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpMaximumConnectionsPerHost = 2
        session = URLSession(configuration: configuration)
    }

    /// `session.data(for:)` without its cancellation deadlock in swift-corelibs-foundation:
    /// there, cancelling the awaiting task calls `URLSessionTask.cancel()`, which waits on the
    /// session's queue while holding the task's status lock, and a completion on that queue
    /// waits for the same lock (seen as a hung test run). Here the cancellation only schedules
    /// `cancel()` on another queue and returns; the completion handler resumes the caller.
    func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
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
}

/// The data task of one request, for cancelling it from a cancellation handler: `cancel()` only
/// schedules `URLSessionTask.cancel()` on a global queue (see ``HTTPTransport``); a task cancelled
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
