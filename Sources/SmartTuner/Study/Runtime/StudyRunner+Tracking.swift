import Foundation
import Logging
import StudyStore
import Tracking

extension TrackingSettings {
    /// The tracking systems the study feeds, or `nil` when it feeds none. MLflow's address
    /// comes from the file or `MLFLOW_TRACKING_URI`, its credentials from `environment`.
    /// - Throws: ``InvalidSetting`` when MLflow is asked for and no usable address is given.
    public func feed(study: StoredStudy, store: any StudyStore, environment: [String: String], logger: Logger) throws -> TrackingFeed? {
        var sinks: [any TrackingSink] = []
        if let directory = tensorBoardDirectory { sinks.append(TensorBoardProjection(root: directory, study: study.definition.name, logger: logger)) }
        if let mlflow {
            sinks.append(MLflowProjection(client: try mlflow.client(environment: environment), experiment: mlflow.experiment ?? study.definition.name,
                                          uploadBestCheckpoint: mlflow.uploadBestCheckpoint, logger: logger))
        }
        return sinks.isEmpty ? nil : TrackingFeed(sinks: sinks, store: store, study: study, logger: logger)
    }
}

extension MLflowSettings {
    /// A client of the server: the file's URL, else `MLFLOW_TRACKING_URI`; credentials from `environment`.
    /// - Throws: ``InvalidSetting`` when there is no usable URL.
    public func client(environment: [String: String]) throws -> MLflowClient {
        guard let text = url ?? environment["MLFLOW_TRACKING_URI"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw InvalidSetting("tracking.mlflow.url", "needs the MLflow server's URL (such as http://127.0.0.1:5000), here or in MLFLOW_TRACKING_URI")
        }
        if let problem = Self.problem(url: text) { throw InvalidSetting("tracking.mlflow.url", problem) }
        guard let address = URL(string: text) else { throw InvalidSetting("tracking.mlflow.url", "is not a URL: \(text)") }
        return MLflowClient(url: address, credentials: MLflowCredentials(environment: environment))
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
