/// Pages rendered within the last interval, by address: however many people watch a page (and
/// every live page fetches itself again when its layout changes), the server renders it at most
/// once per interval — the same interval the live pages poll at, so nothing shown is staler
/// than an update would be. Renderings of one address already under way are shared, not repeated.
actor RenderedPages {
    private var pages: [String: (renderedAt: Duration, html: String)] = [:]
    private var rendering: [String: Task<String, any Error>] = [:]
    private let freshFor: Duration
    private let elapsed: @Sendable () -> Duration
    /// The most addresses kept (the oldest go first).
    static let capacity = 256

    /// Pages fresh for `freshFor`, timed on `clock`.
    init(freshFor: Duration, clock: any Clock<Duration>) {
        self.freshFor = freshFor
        elapsed = Self.stopwatch(clock)
    }

    private static func stopwatch<C: Clock>(_ clock: C) -> @Sendable () -> Duration where C.Duration == Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    /// The page at `address`: as rendered within the interval, or rendered now by `render`.
    func page(_ address: String, render: @escaping @Sendable () async throws -> String) async throws -> String {
        if let cached = pages[address], elapsed() - cached.renderedAt < freshFor { return cached.html }
        if let underWay = rendering[address] { return try await underWay.value }
        let task = Task { try await render() }
        rendering[address] = task
        defer { rendering[address] = nil }
        let html = try await task.value
        if pages.count >= Self.capacity, let oldest = pages.min(by: { $0.value.renderedAt < $1.value.renderedAt })?.key {
            pages[oldest] = nil
        }
        pages[address] = (elapsed(), html)
        return html
    }
}
