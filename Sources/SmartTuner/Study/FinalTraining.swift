import Foundation
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

    /// The training request: checkpoints go to `<directory>/<study>/final/g<generation>`.
    public func request(best: StoredTrial) -> TrainRequest {
        var request = settings.trainer.request(trialID: "\(settings.name)-final", study: settings.name, number: best.number,
                                               generation: 0, hyperparameters: best.trainingHyperparameters, resume: nil)
        request.steps = steps
        request.checkpointDirectory = ((settings.trainer.directory as NSString).appendingPathComponent(settings.name) as NSString)
            .appendingPathComponent("final")
        return request
    }

    /// The model already registered from this study's `best` trial by a final training of at
    /// least this many planned steps (early stopping may end it sooner), if any: `auto` re-run
    /// after it finished does nothing more.
    public func registeredModel(store: StudyStore, best: StoredTrial) throws -> RegisteredModel? {
        try store.models(named: modelName).last { model in
            model.study == settings.name && model.trial == best.number && (model.metrics["final_steps"] ?? 0) >= Double(steps)
                && CheckpointDigest.verify(path: model.checkpoint, expected: model.sha256)
        }
    }

    /// Registers the training's newest checkpoint, whose SHA-256 must verify, with the
    /// training's metrics and final hyperparameters.
    public func register(store: StudyStore, study: StoredStudy, best: StoredTrial, record: TrialRecord,
                         summary: TrialSummary) throws -> RegisteredModel {
        guard let checkpoint = record.latestCheckpoint, CheckpointDigest.verify(path: checkpoint.path, expected: checkpoint.sha256) else {
            throw StudyStoreError.invalidState("the final training left no checkpoint whose SHA-256 verifies; nothing to register")
        }
        var metrics = TrialDetails.metrics(of: summary)
        if let objective = summary.objective { metrics["value"] = objective }
        metrics["search_value"] = best.value
        metrics["final_steps"] = Double(steps)
        return try store.register(name: modelName, study: study.definition.name, trial: best.number, checkpoint: checkpoint.path,
                                  sha256: checkpoint.sha256, metrics: metrics, parameters: summary.hyperparameters)
    }
}
