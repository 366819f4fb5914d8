import Foundation
import Logging
import StudyStore
import TinyTacotron

/// The last stage of `auto`: the best trial's hyperparameters, as its last incarnation ran them
/// (after any smart-restart adjustment), trained with the full budget, and the final checkpoint
/// registered as a candidate version of a model.
public struct FinalTraining: Sendable {
    /// The study's settings.
    public let settings: StudySettings
    /// The registered model's name.
    public let modelName: String

    /// Creates the final stage of a study.
    public init(settings: StudySettings, modelName: String) {
        self.settings = settings
        self.modelName = modelName
    }

    /// Steps of the training.
    public var steps: Int { settings.trainer.fullBudgetSteps }

    /// The folder of the training's checkpoints (`g<generation>` below it) and journal.
    public var directory: String { (settings.directory as NSString).appendingPathComponent("final") }

    /// The lock that lets one `auto` at a time train and register (see ``FinalTrainingLock``).
    public var lockPath: String { (directory as NSString).appendingPathComponent("auto.lock") }

    /// The journal of the training's checkpoints (see ``FinalTrainingJournal``).
    public var journalPath: String { (directory as NSString).appendingPathComponent("journal.jsonl") }

    /// The training request: checkpoints go to `<directory>/<study>/final/g<generation>`. A
    /// training of the same parameters and budget that was killed resumes from the newest good
    /// checkpoint its journal lists, with the hyperparameters that incarnation ran.
    public func request(best: StoredTrial) -> TrainRequest {
        let (checkpoint, generation) = FinalTrainingJournal.resumePoint(at: journalPath, trial: best.number, plannedSteps: steps)
        var request = settings.trainer.request(trialID: "\(settings.name)-final", study: settings.name, number: best.number,
                                               generation: generation,
                                               hyperparameters: checkpoint?.hyperparameters ?? best.trainingHyperparameters,
                                               resume: checkpoint?.checkpoint)
        request.steps = steps
        request.checkpointDirectory = directory
        return request
    }

    /// The journal that ``request(best:)`` of a later run reads: give it every event of the training.
    public func journal(best: StoredTrial, logger: Logger) -> FinalTrainingJournal {
        FinalTrainingJournal(path: journalPath, trial: best.number, plannedSteps: steps, logger: logger)
    }

    /// The model already registered from this study's `best` trial by a final training of at
    /// least this many planned steps (early stopping may end it sooner), if any: `auto` re-run
    /// after it finished does nothing more.
    public func registeredModel(store: any StudyStore, best: StoredTrial) async throws -> RegisteredModel? {
        try await store.models(named: modelName).last { model in
            model.study == settings.name && model.trial == best.number && (model.metrics["final_steps"] ?? 0) >= Double(steps)
                && CheckpointDigest.verify(path: model.checkpoint, expected: model.sha256)
        }
    }

    /// Registers the training's newest good checkpoint (its SHA-256 verifies), with the
    /// training's metrics and final hyperparameters.
    public func register(store: any StudyStore, study: StoredStudy, best: StoredTrial, record: TrialRecord,
                         summary: TrialSummary, now: Date) async throws -> RegisteredModel {
        guard let checkpoint = record.checkpoint(for: .lastGoodCheckpoint, failureStep: nil) else {
            throw StudyStoreError.invalidState("the final training left no good checkpoint (finite weights and loss, SHA-256 verifies); nothing to register")
        }
        var metrics = TrialDetails.metrics(of: summary)
        if let objective = summary.objective { metrics["value"] = objective }
        metrics["search_value"] = best.value
        metrics["final_steps"] = Double(steps)
        return try await store.register(name: modelName, study: study.definition.name, trial: best.number, checkpoint: checkpoint.path,
                                        sha256: checkpoint.sha256, metrics: metrics, parameters: summary.hyperparameters, now: now)
    }
}
