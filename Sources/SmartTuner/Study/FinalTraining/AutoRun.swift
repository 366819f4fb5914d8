import Foundation
import Logging
import StudyStore

/// What `smart-tuner auto` does, for embedders too: the study runs (or resumes) to its trial
/// budget, then the best trial's hyperparameters, as its last incarnation ran them, are trained
/// with the full budget under the same supervision and smart restart (``FinalTraining``), and the
/// final checkpoint is registered as a candidate version of the model.
///
/// Re-running after that finds the registered model and trains nothing; re-running after the
/// final training was killed resumes it from its newest good checkpoint; a second run of the same
/// study on the same machine waits for the first's final training (``FinalTrainingLock``).
public struct AutoRun: Sendable {
    /// What the run is doing, for a display.
    public enum Progress: Sendable {
        /// Another process (`holder`) is training this study's best parameters; this one waits.
        case waitingForFinalTraining(holder: Int32)
        /// The final training starts: `trial`'s parameters for `steps` steps, resuming a killed
        /// run from `resuming` when there is one.
        case finalTrainingStarts(trial: Int, steps: Int, resuming: String?)
        /// An event of the final training.
        case event(TrialEvent)
        /// A step of the final training, with its generation.
        case step(generation: Int, StepMetrics)
    }

    /// How the final stage ended.
    public enum Ending: Sendable {
        /// The best trial was already trained and registered by an earlier run; nothing was trained.
        case alreadyRegistered(best: Int, RegisteredModel)
        /// The final training completed and its newest good checkpoint was registered.
        case registered(TrialSummary, RegisteredModel)
        /// The final training did not complete (its summary says how it ended); nothing was registered.
        case notRegistered(TrialSummary)
    }

    /// Why the run could not go on.
    public enum Failure: Error, CustomStringConvertible {
        /// The study stopped (a graceful stop) before all its trials finished.
        case studyUnfinished(StudyReport)
        /// The study has no complete trial, so it has no parameters to train.
        case noCompleteTrial(study: String)

        public var description: String {
            switch self {
            case .studyUnfinished(let report): "study \(report.study) stopped before all its trials finished; run it again to resume it"
            case .noCompleteTrial(let study): "study \(study) has no complete trial, so there is nothing to train"
            }
        }
    }

    /// The study's settings (`trainer.final_steps` sets the final training's budget).
    public let settings: StudySettings
    /// The final stage: where its checkpoints, journal and lock go, and the model's name.
    public let final: FinalTraining
    private let logger: Logger
    private let wallClock: @Sendable () -> Date

    /// A run of `settings`, registering under `modelName` (default: the study's name);
    /// `wallClock` dates the registration.
    public init(settings: StudySettings, modelName: String? = nil, logger: Logger = Logger(label: "smarttuner.auto"),
                wallClock: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.final = FinalTraining(settings: settings, modelName: modelName ?? settings.name)
        self.logger = logger
        self.wallClock = wallClock
    }

    /// Both stages: the study (its events to `onStudyEvent`), then the final training and the
    /// registration. With `handlingSignals`, SIGTERM and SIGINT stop either stage gracefully.
    /// Throws ``Failure/studyUnfinished(_:)`` when the study was stopped before its end.
    public func run(handlingSignals: Bool = true, onStudyEvent: (@Sendable (StudyEvent) -> Void)? = nil,
                    onProgress: (@Sendable (Progress) -> Void)? = nil) async throws -> (study: StudyReport, ending: Ending) {
        let runner = try await StudyRunner(settings: settings, logger: logger, onEvent: onStudyEvent)
        let report = try await runner.runToEnd(handlingSignals: handlingSignals, logger: logger)
        guard report.isFinished else { throw Failure.studyUnfinished(report) }
        return (report, try await trainBest(handlingSignals: handlingSignals, onProgress: onProgress))
    }

    /// The final stage alone, on a study whose trials have finished: trains the best trial's
    /// parameters (or finds them already registered) and registers the result.
    public func trainBest(handlingSignals: Bool = true, onProgress: (@Sendable (Progress) -> Void)? = nil) async throws -> Ending {
        let store = try await settings.storeLocation().open()
        let stored = try await store.study(named: settings.name)
        guard let best = try await store.bestTrial(of: stored) else { throw Failure.noCompleteTrial(study: settings.name) }
        // One final training per study at a time: a second run waits, then finds the model registered.
        let lock = try await FinalTrainingLock.acquire(path: final.lockPath) { onProgress?(.waitingForFinalTraining(holder: $0)) }
        defer { withExtendedLifetime(lock) {} }
        if let registered = try await final.registeredModel(store: store, best: best) {
            return .alreadyRegistered(best: best.number, registered)
        }
        let request = final.request(best: best)
        onProgress?(.finalTrainingStarts(trial: best.number, steps: final.steps, resuming: request.resumeCheckpoint))
        let journal = final.journal(best: best, logger: logger)
        let alerts = try settings.alerts.makeActor(defaultLog: settings.defaultEventLog, logger: logger)
        let (_, record) = try await SupervisedTraining.run(
            request, configuration: settings.trialConfiguration(logger: logger), alerts: alerts,
            handlingSignals: handlingSignals, logger: logger,
            onEvent: { event in
                journal.record(event)
                onProgress?(.event(event))
            },
            onStep: { generation, step in onProgress?(.step(generation: generation, step)) })
        let summary = TrialSummary(record, initialHyperparameters: request.hyperparameters)
        guard summary.outcomeKind?.isCompleted == true else { return .notRegistered(summary) }
        let registered = try await final.register(store: store, study: stored, best: best, record: record, summary: summary, now: wallClock())
        return .registered(summary, registered)
    }
}
