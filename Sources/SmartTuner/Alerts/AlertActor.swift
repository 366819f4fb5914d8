import Integrations
import Logging

/// Fans alerts out to sinks (DESIGN §2): console, a JSON-lines event log, webhooks, Telegram.
/// ``post(_:)`` never waits — each sink has its own bounded queue and delivery loop — so
/// alerting can never slow a trial down.
public actor AlertActor {
    private let workers: [SinkWorker]

    /// Creates the alert fan-out.
    /// - Parameters:
    ///   - capacity: alerts each sink's queue holds before dropping the oldest.
    ///   - minimumInterval: rate limit per sink (time between deliveries).
    ///   - maxAttempts: deliveries tried per alert before giving up.
    ///   - secrets: values to redact from every log line (tokens, passwords).
    public init(sinks: [any AlertSink], capacity: Int = 256, minimumInterval: Duration = .zero, maxAttempts: Int = 5,
                secrets: [String] = [], logger: Logger = Logger(label: "smarttuner.alerts")) {
        let redactor = SecretRedactor(secrets: secrets)
        workers = sinks.map {
            SinkWorker(sink: $0, capacity: capacity, minimumInterval: minimumInterval, maxAttempts: maxAttempts,
                       logger: logger, redactor: redactor)
        }
    }

    /// Queues `alert` for every sink and returns at once.
    public nonisolated func post(_ alert: Alert) {
        for worker in workers { worker.offer(alert) }
    }

    /// Queues the alert a trial event makes, if it makes one.
    public nonisolated func post(trialID: String, event: TrialEvent) {
        if let alert = Alert.from(trialID: trialID, event: event) { post(alert) }
    }

    /// Counters per sink name.
    public nonisolated var statistics: [String: SinkStatistics] {
        Dictionary(workers.map { ($0.sink.name, $0.statistics) }, uniquingKeysWith: { first, _ in first })
    }

    /// Waits until every queued alert has been delivered or given up, or `timeout` passes.
    public nonisolated func drain(timeout: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline, !workers.allSatisfy(\.isIdle) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Delivers until cancelled (a permanent child of the root supervisor).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.run() } }
        }
    }
}
