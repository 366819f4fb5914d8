import Foundation
import Logging
import ServiceLifecycle

/// One supervised training under a tree of its own, as `train` and `auto`'s final stage run it:
/// the trial's supervisor with smart restart, an alert session summary at the end, and SIGTERM or
/// SIGINT turned into a graceful stop (the trainer checkpoints and finishes; the record stays whole).
public enum SupervisedTraining {
    /// Why a supervised training did not give a result.
    public enum Failure: Error, CustomStringConvertible {
        /// The trial could not run (the tree refused it, or the trainer could not start).
        case didNotRun(any Error)
        /// The supervision tree itself failed around a trial that did end.
        case treeFailed(any Error)

        public var description: String {
            switch self {
            case .didNotRun(let error): "the training did not run: \(error)"
            case .treeFailed(let error): "the supervision tree failed: \(error)"
            }
        }
    }

    /// Runs `request` to its end under `configuration`; returns the outcome and the record.
    /// `onEvent` sees every event of the trial as it happens, `onStep` every training step
    /// (with its generation). With `handlingSignals`, SIGTERM and SIGINT stop the training
    /// gracefully; embedders that run their own service group pass `false`.
    public static func run(_ request: TrainRequest, configuration: TrialConfiguration, alerts: AlertActor,
                           memory: MemoryActor? = nil, handlingSignals: Bool = true, logger: Logger,
                           onEvent: (@Sendable (TrialEvent) -> Void)? = nil,
                           onStep: (@Sendable (Int, StepMetrics) -> Void)? = nil) async throws -> (outcome: TrialOutcome, record: TrialRecord) {
        let tree = TuningSupervisor(trialConfiguration: configuration, alerts: alerts, memory: memory ?? MemoryActor(logger: logger),
                                    logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(services: [ServiceGroupConfiguration.ServiceConfiguration(
            service: tree, successTerminationBehavior: .gracefullyShutdownGroup)], logger: logger)
        if handlingSignals { groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint] }
        let group = ServiceGroup(configuration: groupConfiguration)
        let training = Task { () -> (outcome: TrialOutcome, record: TrialRecord) in
            defer { tree.shutdown() }
            let result = try await tree.runTrial(request, onEvent: onEvent, onStep: onStep)
            let summary = TrialSummary(result.record, initialHyperparameters: request.hyperparameters)
            let alignment = summary.alignment.map { "focus_rate \(HumanNumber.text($0.focusRate)), accuracy \($0.accuracy.map(HumanNumber.text) ?? "n/a")" }
            tree.alerts.post(Alert(.sessionSummary,
                                   title: "Training \(summary.outcome): \(summary.steps) steps, \(summary.restarts.count) restart(s)",
                                   message: alignment ?? ""))
            return result
        }
        var treeFailure: (any Error)?
        do { try await group.run() } catch { treeFailure = error }
        let result: (outcome: TrialOutcome, record: TrialRecord)
        do { result = try await training.value } catch { throw Failure.didNotRun(error) }
        if let treeFailure { throw Failure.treeFailed(treeFailure) }
        return result
    }
}
