import Logging

extension StudySettings {
    /// How this study's trainings run, are judged and restarted: the trials of `optimize`
    /// (which add the pruner) and `auto`'s final training alike.
    public func trialConfiguration(logger: Logger, makeTrainer: (@Sendable (TrainRequest) -> any Trainer)? = nil) -> TrialConfiguration {
        TrialConfiguration(
            makeTrainer: makeTrainer ?? trainer.makeTrainer(heartbeatTimeout: trainer.heartbeatTimeoutSeconds),
            earlyStop: earlyStop, objective: objective, thresholds: thresholds, restart: restart,
            heartbeatTimeout: .milliseconds(Int(trainer.heartbeatTimeoutSeconds * 1_000)), seed: seed, logger: logger,
            memoryBudgetMiB: memoryBudgetMiB)
    }
}
