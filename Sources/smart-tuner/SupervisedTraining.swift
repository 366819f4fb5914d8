import Foundation
import Logging
import ServiceLifecycle
import SmartTuner

/// One supervised training under its own tree, as `train` and `auto` run it: Ctrl-C or
/// SIGTERM makes the trainer checkpoint and finish, and the record stays whole.
enum SupervisedTraining {
    /// Runs `request` to its end; returns the outcome and the record. `onEvent` sees every
    /// event of the trial as it happens.
    static func run(_ request: TrainRequest, configuration: TrialConfiguration, alerts: AlertActor, logger: Logger,
                    progress: ProgressLine, onEvent: (@Sendable (TrialEvent) -> Void)? = nil) async throws -> (TrialOutcome, TrialRecord) {
        let tree = TuningSupervisor(trialConfiguration: configuration, alerts: alerts, memory: MemoryActor(logger: logger), logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(services: [ServiceGroupConfiguration.ServiceConfiguration(
            service: tree, successTerminationBehavior: .gracefullyShutdownGroup)], logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: groupConfiguration)
        let training = Task { () -> (TrialOutcome, TrialRecord) in
            defer { tree.shutdown() }
            let result = try await tree.runTrial(request, onEvent: { event in
                                                     onEvent?(event)
                                                     progress.show(event)
                                                 },
                                                 onStep: { generation, step in progress.show(step, generation: generation) })
            let summary = TrialSummary(result.record, initialHyperparameters: request.hyperparameters)
            tree.alerts.post(Alert(.sessionSummary, title: "Training \(summary.outcome): \(summary.steps) steps, \(summary.restarts.count) restart(s)",
                                   message: summary.alignment.map { "focus_rate \($0.focusRate), accuracy \($0.accuracy ?? .nan)" } ?? ""))
            return result
        }
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        let result: (TrialOutcome, TrialRecord)
        do {
            result = try await training.value
        } catch {
            throw CommandFailure("the training did not run: \(error)")
        }
        progress.finish()
        if let failure { throw CommandFailure("the supervision tree failed: \(failure)") }
        return result
    }
}
