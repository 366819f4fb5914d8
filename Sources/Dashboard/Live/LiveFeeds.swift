import Logging

/// One poller per live page, however many viewers it has: while anyone watches a page, its
/// snapshot is read from the store every interval, and each viewer's stream gets it when it
/// changed. With fifty viewers of one study the store is read once per interval, not fifty times.
actor LiveFeeds {
    private struct Feed {
        var viewers: [Int: AsyncStream<LiveSnapshot>.Continuation] = [:]
        var latest: LiveSnapshot?
        var poller: Task<Void, Never>?
    }

    private var feeds: [String: Feed] = [:]
    private var nextViewer = 0
    private let interval: Duration
    private let clock: any Clock<Duration>
    private let logger: Logger

    init(interval: Duration, clock: any Clock<Duration>, logger: Logger) {
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// The snapshots of page `key` as they change, starting with the current one; `read` makes one.
    func watch(_ key: String, read: @escaping @Sendable () async throws -> LiveSnapshot) -> AsyncStream<LiveSnapshot> {
        let (stream, continuation) = AsyncStream<LiveSnapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let viewer = nextViewer
        nextViewer += 1
        var feed = feeds[key] ?? Feed()
        feed.viewers[viewer] = continuation
        if let latest = feed.latest { continuation.yield(latest) }
        if feed.poller == nil { feed.poller = Task { await self.poll(key, read: read) } }
        feeds[key] = feed
        continuation.onTermination = { _ in Task { await self.leave(key, viewer: viewer) } }
        return stream
    }

    private func leave(_ key: String, viewer: Int) {
        feeds[key]?.viewers[viewer] = nil
        if feeds[key]?.viewers.isEmpty == true {
            feeds[key]?.poller?.cancel()
            feeds[key] = nil
        }
    }

    private func poll(_ key: String, read: @Sendable () async throws -> LiveSnapshot) async {
        while !Task.isCancelled {
            do {
                let snapshot = try await read()
                publish(key, snapshot)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("a live page could not be read", metadata: ["page": "\(key)", "error": "\(error)"])
            }
            do { try await clock.sleep(for: interval) } catch { return }
        }
    }

    private func publish(_ key: String, _ snapshot: LiveSnapshot) {
        guard var feed = feeds[key], feed.latest != snapshot else { return }
        feed.latest = snapshot
        for continuation in feed.viewers.values { continuation.yield(snapshot) }
        feeds[key] = feed
    }
}
