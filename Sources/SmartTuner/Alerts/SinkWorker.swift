import DequeModule
import Integrations
import Foundation
import Logging
import Synchronization

/// Counters of one sink.
public struct SinkStatistics: Sendable, Hashable, Codable {
    /// Alerts delivered.
    public var delivered = 0
    /// Alerts folded into an earlier queued one with the same key.
    public var coalesced = 0
    /// Alerts dropped because the queue was full (the oldest goes).
    public var dropped = 0
    /// Alerts given up after their retries.
    public var failed = 0
    /// Delivery attempts that were retried.
    public var retries = 0
}

/// One sink's bounded queue and delivery loop: rate limiting, retries with exponential
/// backoff honouring `retry_after`, coalescing of repeats. Offering never waits, so the trial
/// path is never held up by a slow or dead service.
final class SinkWorker: Sendable {
    private struct Pending {
        var alert: Alert
        var repeats: Int
    }

    private struct State {
        var queue: Deque<Pending> = []
        var waiting: CheckedContinuation<Void, Never>?
        var statistics = SinkStatistics()
        var delivering = false
    }

    let sink: any AlertSink
    private let capacity: Int
    private let minimumInterval: Duration
    private let maxAttempts: Int
    private let logger: Logger
    private let redactor: SecretRedactor
    private let state = Mutex(State())

    init(sink: any AlertSink, capacity: Int, minimumInterval: Duration, maxAttempts: Int, logger: Logger, redactor: SecretRedactor) {
        self.sink = sink
        self.capacity = max(1, capacity)
        self.minimumInterval = minimumInterval
        self.maxAttempts = max(1, maxAttempts)
        self.logger = logger
        self.redactor = redactor
    }

    var statistics: SinkStatistics { state.withLock { $0.statistics } }

    /// Queues an alert without waiting.
    func offer(_ alert: Alert) {
        let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let index = state.queue.firstIndex(where: { $0.alert.coalescingKey == alert.coalescingKey }) {
                state.queue[index].repeats += 1
                state.statistics.coalesced += 1
            } else {
                if state.queue.count >= capacity {
                    state.queue.removeFirst()
                    state.statistics.dropped += 1
                }
                state.queue.append(Pending(alert: alert, repeats: 1))
            }
            defer { state.waiting = nil }
            return state.waiting
        }
        wake?.resume()
    }

    /// Delivers until cancelled.
    func run() async {
        while !Task.isCancelled {
            guard let next = await take() else { return }
            state.withLock { $0.delivering = true }
            await deliver(next)
            if minimumInterval > .zero { try? await Task.sleep(for: minimumInterval) }
        }
    }

    private func take() async -> Pending? {
        while !Task.isCancelled {
            if let next = state.withLock({ $0.queue.popFirst() }) { return next }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || Task.isCancelled { return true }
                        state.waiting = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.waiting = nil }
                    return state.waiting
                }
                waiting?.resume()
            }
        }
        return nil
    }

    /// Whether nothing is waiting to be delivered.
    var isIdle: Bool { state.withLock { $0.queue.isEmpty && !$0.delivering } }

    private func deliver(_ pending: Pending) async {
        state.withLock { $0.delivering = true }
        defer { state.withLock { $0.delivering = false } }
        // Secrets never leave the process, whichever sink this is (the event log included).
        var pending = pending
        pending.alert.title = redactor.redact(pending.alert.title)
        pending.alert.message = redactor.redact(pending.alert.message)
        pending.alert.coalescingKey = redactor.redact(pending.alert.coalescingKey)
        pending.alert.imagePath = pending.alert.imagePath.map(redactor.redact)
        var delay = Duration.milliseconds(250)
        for attempt in 1...maxAttempts {
            do {
                try await sink.deliver(pending.alert, repeats: pending.repeats)
                state.withLock { $0.statistics.delivered += 1 }
                return
            } catch let error as AlertDeliveryError where error.retryable && attempt < maxAttempts {
                state.withLock { $0.statistics.retries += 1 }
                let wait = error.retryAfter ?? delay
                logger.notice("alert delivery will be retried", metadata: [
                    "sink": "\(sink.name)", "attempt": "\(attempt)", "error": "\(redactor.redact(error.description))", "after": "\(wait)"])
                do { try await Task.sleep(for: wait) } catch { return }
                delay = min(delay * 2, .seconds(30))
            } catch {
                state.withLock { $0.statistics.failed += 1 }
                logger.warning("alert not delivered", metadata: ["sink": "\(sink.name)", "error": "\(redactor.redact(String(describing: error)))"])
                return
            }
        }
    }
}
