import Foundation
import Integrations
import Logging
import ServiceLifecycle
import StudyStore
import Synchronization
import TinyTacotron
import Tracking
import Training

/// Runs a study to its trial budget under the supervision tree: `parallelism` workers each
/// claim a trial from the study file (a new one, or one a dead process left running), run it
/// as a supervised trial with smart restart and pruning, and record its result.
///
/// A `Service`: run it in a `ServiceGroup`; a graceful shutdown (SIGTERM/SIGINT) stops the
/// running trials with a checkpoint and leaves them RUNNING in the store, to be resumed by the
/// next run. Several processes may run the same study file at once.
public final class StudyRunner: Service, Sendable {
    /// The settings.
    public let settings: StudySettings
    /// The study's owner.
    public let study: StudyActor
    /// The supervision tree the trials run under.
    public let tuning: TuningSupervisor
    private let onEvent: (@Sendable (StudyEvent) -> Void)?
    private let stopping = Atomic<Bool>(false)
    private let logger: Logger
    private let pollInterval: Duration
    /// What feeds the study's tracking systems, if it has any.
    let tracking: TrackingFeed?

    /// Opens the study file and builds the tree. `makeTrainer` overrides how trainers are made
    /// (tests and embedders); by default the settings' trainer kind decides. `environment`
    /// gives the tracking systems' address and credentials (`MLFLOW_TRACKING_URI`,
    /// `MLFLOW_TRACKING_TOKEN`, …) where the study file's `tracking` section leaves them out.
    public init(settings: StudySettings, alerts: AlertActor? = nil, memory: MemoryActor? = nil,
                makeTrainer: (@Sendable (TrainRequest) -> any Trainer)? = nil, pollInterval: Duration = .seconds(1),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "smarttuner.study"), onEvent: (@Sendable (StudyEvent) -> Void)? = nil) async throws {
        try settings.validate()
        self.settings = settings
        self.logger = logger
        self.onEvent = onEvent
        self.pollInterval = pollInterval
        try FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
        let store = try await settings.storeLocation().open(environment: environment, logger: logger)
        let study = try await StudyActor(store: store, settings: settings, logger: logger)
        self.study = study
        // The feed reads and records through a connection of its own: its writes (what was
        // sent) never queue behind the trials' progress, nor theirs behind it.
        tracking = settings.tracking.mlflow == nil && settings.tracking.tensorBoardDirectory == nil ? nil
            : try settings.tracking.feed(study: study.study, store: try await settings.storeLocation().open(environment: environment, logger: logger),
                                         environment: environment, logger: logger)
        var configuration = settings.trialConfiguration(logger: logger, makeTrainer: makeTrainer)
        configuration.pruneCheck = { trialID, step, value in study.prune(trialID: trialID, step: step, objective: value) }
        let alertActor = try alerts ?? settings.alerts.makeActor(defaultLog: settings.defaultEventLog, logger: logger)
        tuning = TuningSupervisor(trialConfiguration: configuration, alerts: alertActor, memory: memory ?? MemoryActor(logger: logger),
                                  study: study, logger: logger)
    }

    /// Runs the tree and the workers until the study has all its trials finished, or a
    /// graceful shutdown. Returns when both have stopped.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.tuning.run() }
                group.addTask {
                    defer { self.tuning.shutdown() }
                    try await self.feedingTracking { try await self.runWorkers() }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    /// Stops claiming trials; running trials checkpoint and are left for a later run.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        tuning.shutdown()
    }

    /// The study as it stands.
    public func report() async throws -> StudyReport { try await StudyReport.of(study.study, in: study.store) }

    private func runWorkers() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, settings.parallelism) { group.addTask { try await self.work() } }
            try await group.waitForAll()
        }
    }

    /// One worker: claims and runs trials until the study is done or the runner stops.
    private func work() async throws {
        var failures = 0
        while !stopping.load(ordering: .relaxed) {
            let claim: TrialClaim
            do {
                claim = try await study.claim()
                failures = 0
            } catch {
                failures += 1
                logger.error("could not claim a trial", metadata: ["error": "\(error)", "attempt": "\(failures)"])
                if failures >= 5 { throw error }
                try await Task.sleep(for: pollInterval)
                continue
            }
            switch claim {
            case .done:
                return
            case .wait:
                try await Task.sleep(for: pollInterval)
            case .new(let trial):
                try await run(trial, resume: nil, takenOver: nil)
            case .resumed(let trial, let checkpoints):
                let good = TakeOverResumePoint.choose(from: checkpoints, recorded: trial.intermediate,
                                                      interval: settings.trainer.validationInterval, budget: settings.trainer.steps)
                study.resume(trialID: study.trialID(trial), fromStep: good?.step ?? 0)
                study.note(trialID: study.trialID(trial), kind: "resumed", detail: good.map {
                    "from step \($0.step): \($0.path)" + ($0.host.map { " (written on \($0))" } ?? "")
                } ?? "from scratch: no checkpoint of it can be used here")
                if let note = TakeOverResumePoint.passedOver(checkpoints, chosen: good, recorded: trial.intermediate,
                                                            interval: settings.trainer.validationInterval, budget: settings.trainer.steps) {
                    study.note(trialID: study.trialID(trial), kind: "checkpoints-unusable", detail: note)
                    logger.warning("a taken-over trial cannot resume from its newest checkpoint", metadata: ["trial": "\(trial.number)", "detail": "\(note)"])
                }
                try await run(trial, resume: good, takenOver: checkpoints.filter { $0.step <= good?.step ?? -1 })
            }
        }
    }

    /// Runs `trial`; `takenOver` holds the stored checkpoints (up to the resume point) of a
    /// trial taken over from another worker, `nil` for a new one.
    private func run(_ trial: StoredTrial, resume: Checkpoint?, takenOver: [Checkpoint]?) async throws {
        let id = study.trialID(trial)
        let request = settings.trainer.request(trialID: id, study: settings.name, number: trial.number, generation: trial.generation,
                                               hyperparameters: trial.hyperparameters, resume: resume)
        onEvent?(.trialStarted(number: trial.number, parameters: trial.parameters, generation: trial.generation,
                               resumedFrom: resume?.path, takenOver: takenOver != nil))
        let study = self.study, onEvent = self.onEvent, number = trial.number
        var result: (outcome: TrialOutcome, record: TrialRecord)?
        while result == nil {
            do {
                result = try await tuning.runTrial(request, takenOver: takenOver ?? [], onEvent: { event in
                    study.record(event, trialID: id)
                    onEvent?(.trial(number: number, event: event))
                }, onStep: { generation, metrics in onEvent?(.step(number: number, generation: generation, metrics: metrics)) },
                onMetrics: { metrics in study.record(metrics, trialID: id) })
            } catch TuningSupervisor.AdmissionError.insufficientMemory {
                guard !stopping.load(ordering: .relaxed) else { break }
                try await Task.sleep(for: pollInterval)
            } catch {
                await study.release(trialID: id, reason: "not run: \(error)")
                stop()
                throw error
            }
        }
        guard let (outcome, record) = result else {
            await study.release(trialID: id, reason: "this process stopped before the trial could start")
            onEvent?(.trialReleased(number: number))
            return
        }
        if case .completed(.stopped, _) = outcome, stopping.load(ordering: .relaxed) {
            await study.release(trialID: id, reason: "this process stopped; the trial resumes from its last checkpoint on the next run")
            onEvent?(.trialReleased(number: number))
            return
        }
        let summary = TrialSummary(record, initialHyperparameters: request.hyperparameters)
        let summaryJSON = (try? JSONEncoder().encode(summary)).map { String(decoding: $0, as: UTF8.self) }
        let value: Double?, newBest: Bool
        do {
            (value, newBest) = try await study.finish(trialID: id, outcome: outcome, summaryJSON: summaryJSON)
        } catch StudyStoreError.supersededGeneration {
            // Taken over by another worker while this one was silent: that worker's result counts.
            onEvent?(.trialSuperseded(number: number))
            return
        }
        onEvent?(.trialFinished(number: number, outcome: outcome, value: value, newBest: newBest))
        if newBest, let value {
            let parameters = trial.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            tuning.alerts.post(Alert(.newBest, trialID: id, title: "New best: trial \(number) of \(settings.name) with \(value)",
                                     message: parameters, coalescingKey: "new-best-\(settings.name)"))
        }
        if case .escalated = outcome { stop() }
    }
}
