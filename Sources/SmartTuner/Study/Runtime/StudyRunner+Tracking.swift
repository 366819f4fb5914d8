import Foundation
import Logging
import StudyStore
import Tracking

extension TrackingSettings {
    /// The tracking systems the study feeds, or `nil` when it feeds none.
    func feed(study: StoredStudy, store: any StudyStore, logger: Logger) -> TrackingFeed? {
        var sinks: [any TrackingSink] = []
        if let directory = tensorBoardDirectory { sinks.append(TensorBoardProjection(root: directory, study: study.definition.name, logger: logger)) }
        return sinks.isEmpty ? nil : TrackingFeed(sinks: sinks, store: store, study: study, logger: logger)
    }
}

extension StudyRunner {
    /// How often a running study feeds its tracking systems.
    static let trackingInterval: Duration = .seconds(5)

    /// Runs `body` (the workers) while the tracking feed passes in the background, then makes
    /// the last pass, so that a study that ends has sent everything the servers would take.
    func feedingTracking(_ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let feed = tracking else { return try await body() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await feed.run(every: Self.trackingInterval) { try await Task.sleep(for: $0) } }
            do {
                try await body()
            } catch {
                group.cancelAll()
                await feed.pass()
                throw error
            }
            group.cancelAll()
            await feed.pass()
        }
    }
}
