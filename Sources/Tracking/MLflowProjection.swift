import Foundation
import Integrations
import Logging
import Optimization
import StudyStore

/// Feeds an MLflow experiment from the study file (docs/tracking.md): one parent run per study,
/// one child run per trial (`mlflow.parentRunId`) named `trial 7`, with its sampled
/// hyperparameters as params, each restart's changed values as params of its generation
/// (`g1.learning_rate`: MLflow params never change) and a tag (`smarttuner.restart.1`), every
/// stored figure as a metric at its step, each checkpoint's heatmap as an artifact, and its
/// status kept true (RUNNING, FINISHED, FAILED for failed, KILLED for pruned).
///
/// What was sent is recorded in the study file after each request that succeeded, so a pass
/// after a server outage, a kill, or on another day (`smart-tuner track`) sends only the
/// rest; runs are found again by their `smarttuner.run_key` tag and metrics carry the times the
/// study file recorded, so even a lost record never makes a second run or a second point.
public actor MLflowProjection: TrackingSink {
    public nonisolated var name: String { "mlflow" }
    /// The client.
    public nonisolated let client: MLflowClient
    /// The experiment's name.
    public nonisolated let experiment: String
    /// Whether the best trial's final checkpoint is uploaded when the study is done.
    public nonisolated let uploadBestCheckpoint: Bool
    /// The study file's name for what this server's experiment was sent.
    nonisolated let sink: String
    let logger: Logger
    private var experimentID: String?
    private var artifactURIs: [String: String] = [:]

    /// Feeds experiment `experiment` of the server `client` talks to.
    public init(client: MLflowClient, experiment: String, uploadBestCheckpoint: Bool = true,
                logger: Logger = Logger(label: "smarttuner.tracking.mlflow")) {
        self.client = client
        self.experiment = experiment
        self.uploadBestCheckpoint = uploadBestCheckpoint
        self.logger = logger
        sink = "mlflow \(client.url.absoluteString) \(experiment)"
    }

    /// Sends what the experiment does not hold yet of `study`.
    public func feed(_ study: StoredStudy, store: any StudyStore) async throws -> TrackingPass {
        let experimentID: String
        if let known = self.experimentID {
            experimentID = known
        } else {
            experimentID = try await client.experimentID(named: experiment)
            self.experimentID = experimentID
        }
        var deliveries = try await store.deliveries(of: study, sink: sink)
        let trials = try await store.trials(of: study)
        var sent = 0
        var parent = deliveries[.study] ?? TrackingDelivery()
        let parentID = try await studyRun(study, trials: trials, delivery: &parent, experimentID: experimentID, store: store, sent: &sent)
        for trial in trials where trial.state != nil {
            var delivery = deliveries[.trial(number: trial.number)] ?? TrackingDelivery()
            try await feed(trial, of: study, parentID: parentID, experimentID: experimentID, delivery: &delivery, store: store, sent: &sent)
            deliveries[.trial(number: trial.number)] = delivery
        }
        try await results(of: study, trials: trials, parent: &parent, parentID: parentID, store: store, sent: &sent)
        if let best = try await studyEnd(study, trials: trials, parent: &parent, parentID: parentID, store: store, sent: &sent),
           var delivery = deliveries[.trial(number: best.number)] {
            try await bestFiles(best, of: study, delivery: &delivery, store: store, sent: &sent)
        }
        return TrackingPass(sent: sent)
    }

    /// The study's parent run, made (or found again) and given the study's settings as params.
    private func studyRun(_ study: StoredStudy, trials: [StoredTrial], delivery: inout TrackingDelivery, experimentID: String,
                          store: any StudyStore, sent: inout Int) async throws -> String {
        if let id = delivery.runID { return id }
        let name = study.definition.name
        let started = trials.compactMap { $0.startedAt.flatMap(StoreTime.date) }.min() ?? Date()
        let run = try await findOrCreate(key: Self.runKey(study: name, trial: nil), name: "study \(name)", experimentID: experimentID,
                                         started: started, tags: ["smarttuner.study": name, "smarttuner.role": "study"])
        var params = ["direction": study.definition.direction.rawValue, "seed": "\(study.definition.seed)",
                      "trials": "\(study.definition.targetTrials)"]
        for parameter in study.definition.space.parameters { params["space.\(parameter.name)"] = Self.words(parameter.distribution) }
        try await client.logBatch(runID: run.id, params: params)
        sent += params.count
        delivery.runID = run.id
        delivery.generationsSent = 1
        try await store.recordDelivery(delivery, for: .study, of: study, sink: sink)
        return run.id
    }

    /// Each finished trial's value on the parent run (`objective` at the trial's number), so the
    /// parent's chart is the optimisation history.
    private func results(of study: StoredStudy, trials: [StoredTrial], parent: inout TrackingDelivery, parentID: String,
                         store: any StudyStore, sent: inout Int) async throws {
        let done = Set(parent.resultsSent)
        let new = trials.filter { !done.contains($0.number) && $0.state != nil && $0.state != .running }
        guard !new.isEmpty else { return }
        let metrics = new.compactMap { trial in
            trial.value.map { MLflowMetric(key: "objective", value: $0, timestamp: Self.milliseconds(trial.completedAt), step: trial.number) }
        }
        try await client.logBatch(runID: parentID, metrics: metrics)
        sent += metrics.count
        parent.resultsSent = (parent.resultsSent + new.map(\.number)).sorted()
        try await store.recordDelivery(parent, for: .study, of: study, sink: sink)
    }

    /// When every trial has finished: the parent run ends, and the best trial is named; returns it.
    private func studyEnd(_ study: StoredStudy, trials: [StoredTrial], parent: inout TrackingDelivery, parentID: String,
                          store: any StudyStore, sent: inout Int) async throws -> StoredTrial? {
        guard trials.count >= study.definition.targetTrials, trials.allSatisfy({ $0.state != nil && $0.state != .running }) else { return nil }
        let best = try await store.bestTrial(of: study)
        guard parent.stateSent != "complete" else { return best }
        var tags: [String: String] = [:]
        if let best { tags["smarttuner.best_trial"] = "\(best.number)" }
        try await client.logBatch(runID: parentID, tags: tags)
        let ended = trials.compactMap { $0.completedAt.flatMap(StoreTime.date) }.max()
        try await client.updateRun(parentID, status: .finished, endTime: ended.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) })
        sent += tags.count + 1
        parent.stateSent = "complete"
        try await store.recordDelivery(parent, for: .study, of: study, sink: sink)
        return best
    }

    /// Where run `runID` keeps its artifacts.
    func artifactURI(_ runID: String) async throws -> String {
        if let uri = artifactURIs[runID] { return uri }
        let uri = try await client.run(id: runID).artifactURI
        artifactURIs[runID] = uri
        return uri
    }

    /// The run tagged `key`, or a new one.
    func findOrCreate(key: String, name: String, experimentID: String, started: Date, tags: [String: String]) async throws -> MLflowRun {
        if let found = try await client.runs(experimentID: experimentID, tag: "smarttuner.run_key", value: key).first { return found }
        return try await client.createRun(experimentID: experimentID, name: name, startTime: Int64((started.timeIntervalSince1970 * 1000).rounded()),
                                          tags: tags.merging(["smarttuner.run_key": key, "mlflow.runName": name]) { $1 })
    }

    /// `study:<name>` or `trial:<name>:<number>`, the name percent-encoded to letters, digits and `_.-`.
    static func runKey(study: String, trial: Int?) -> String {
        let safe = study.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"))?
            .replacingOccurrences(of: "%", with: "_") ?? "study"
        return trial.map { "trial:\(safe):\($0)" } ?? "study:\(safe)"
    }

    /// A search-space distribution as a param shows it: `float [0.001, 0.01] log`, `one of 16, 32`.
    static func words(_ distribution: Distribution) -> String {
        switch distribution {
        case .float(let low, let high, let log, let step):
            return "float [\(low), \(high)]" + (log ? " log" : "") + (step.map { " step \($0)" } ?? "")
        case .int(let low, let high, let log, let step):
            return "int [\(low), \(high)]" + (log ? " log" : "") + (step == 1 ? "" : " step \(step)")
        case .categorical(let choices):
            return "one of " + choices.map(\.description).joined(separator: ", ")
        }
    }

    /// A stored time in milliseconds since 1970 (0 when it is missing).
    static func milliseconds(_ text: String?) -> Int64 {
        text.flatMap(StoreTime.date).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? 0
    }
}
