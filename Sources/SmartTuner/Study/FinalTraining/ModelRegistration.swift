import Foundation
import StudyStore
import TinyTacotron

/// Registers a trial's model: its newest checkpoint that verifies, with metrics and parameters.
public enum ModelRegistration {
    /// Registers trial `number` of `study` (default: the best) as a candidate version of `name`.
    /// - Throws: if the trial has no complete result or no checkpoint that verifies.
    @discardableResult
    public static func register(store: any StudyStore, study: StoredStudy, name: String, trial number: Int? = nil,
                                now: Date = Date()) async throws -> RegisteredModel {
        let trial: StoredTrial
        if let number {
            trial = try await store.trial(number, of: study)
        } else {
            guard let best = try await store.bestTrial(of: study) else {
                throw StudyStoreError.invalidState("study \(study.definition.name) has no complete trial to register")
            }
            trial = best
        }
        guard let checkpoint = try await store.checkpoints(of: trial).first(where: { CheckpointDigest.verify(path: $0.path, expected: $0.sha256) }) else {
            throw StudyStoreError.invalidState("trial \(trial.number) has no checkpoint whose SHA-256 verifies; nothing to register")
        }
        var metrics = TrialDetails.metrics(fromSummary: trial.summaryJSON)
        if let value = trial.value { metrics["value"] = value }
        return try await store.register(name: name, study: study.definition.name, trial: trial.number, checkpoint: checkpoint.path,
                                        sha256: checkpoint.sha256, metrics: metrics, parameters: trial.hyperparameters, now: now)
    }
}
