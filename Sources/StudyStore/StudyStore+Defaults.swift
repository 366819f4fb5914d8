import Foundation
import Optimization
import Training

/// The store's calls with the defaults callers usually want: the current time, no events.
/// (The requirements take every argument, so that each backend implements one signature.)
extension StudyStore {
    /// Takes the next piece of work for `worker`, now.
    public func claim(_ study: StoredStudy, worker: WorkerIdentity, staleAfter: Double,
                      propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) async throws -> TrialClaim {
        try await claim(study, worker: worker, staleAfter: staleAfter, now: Date(), propose: propose)
    }

    /// Writes a batch of progress given as its parts (intermediate values in step order).
    public func report(_ trial: StoredTrial, in study: StoredStudy, generation: Int, values: [(step: Int, value: Double)] = [],
                       lastStep: Int? = nil, quality: [String: Double]? = nil, checkpoints: [Checkpoint] = [],
                       events: [StoredEvent] = [], now: Date = Date()) async throws {
        let progress = TrialProgress(values: Dictionary(values.map { ($0.step, $0.value) }) { $1 }, lastStep: lastStep, quality: quality,
                                     checkpoints: checkpoints, events: events)
        try await report(trial, in: study, generation: generation, progress: progress, now: now)
    }

    /// Records a smart restart, now.
    public func recordRestart(_ trial: StoredTrial, in study: StoredStudy, previousGeneration: Int, restart: StoredRestart,
                              hyperparameters: [String: Double], events: [StoredEvent] = []) async throws {
        try await recordRestart(trial, in: study, previousGeneration: previousGeneration, restart: restart,
                                hyperparameters: hyperparameters, events: events, now: Date())
    }

    /// Ends a trial, now.
    public func finish(_ trial: StoredTrial, in study: StoredStudy, generation: Int, state: TrialState, value: Double?,
                       outcome: StoredOutcome, summaryJSON: String?, events: [StoredEvent] = []) async throws {
        try await finish(trial, in: study, generation: generation, state: state, value: value, outcome: outcome,
                         summaryJSON: summaryJSON, events: events, now: Date())
    }

    /// Refreshes heartbeats, now.
    public func heartbeat(_ trials: [StoredTrial], worker: WorkerIdentity) async throws {
        try await heartbeat(trials, worker: worker, now: Date())
    }

    /// Creates a trial for an outside script, now.
    public func ask(_ study: StoredStudy, propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) async throws -> StoredTrial? {
        try await ask(study, now: Date(), propose: propose)
    }

    /// Ends an outside script's trial, now.
    public func tell(_ study: StoredStudy, number: Int, state: TrialState, value: Double?) async throws {
        try await tell(study, number: number, state: state, value: value, now: Date())
    }

    /// Registers a model version, now.
    @discardableResult
    public func register(name: String, study: String, trial: Int, checkpoint: String, sha256: String, metrics: [String: Double],
                         parameters: [String: Double]) async throws -> RegisteredModel {
        try await register(name: name, study: study, trial: trial, checkpoint: checkpoint, sha256: sha256, metrics: metrics,
                           parameters: parameters, now: Date())
    }

    /// Every registered model.
    public func models() async throws -> [RegisteredModel] { try await models(named: nil) }

    /// Moves a model version to `stage`, now.
    @discardableResult
    public func setStage(name: String, version: Int, to stage: ModelStage, note: String = "") async throws -> RegisteredModel {
        try await setStage(name: name, version: version, to: stage, note: note, now: Date())
    }
}
