import Logging

extension StudySettings {
    /// The objective as trials are judged by it: the built-in trainer's `val_loss` is mel +
    /// stop unless the study names other components (DESIGN §6: the guided-attention penalty
    /// never counts).
    public var effectiveObjective: TrialObjective {
        var objective = self.objective
        if objective.validationLossNames == nil, case .builtin = trainer.kind {
            objective.validationLossNames = TrialObjective.builtinValidationLoss
        }
        return objective
    }

    /// How this study's trainings run, are judged and restarted: the trials of `optimize`
    /// (which add the pruner) and `auto`'s final training alike.
    public func trialConfiguration(logger: Logger, makeTrainer: (@Sendable (TrainRequest) -> any Trainer)? = nil) -> TrialConfiguration {
        TrialConfiguration(
            makeTrainer: makeTrainer ?? trainer.makeTrainer(heartbeatTimeout: trainer.heartbeatTimeoutSeconds),
            earlyStop: earlyStop, objective: effectiveObjective, thresholds: thresholds, restart: restart,
            heartbeatTimeout: .milliseconds(Int(trainer.heartbeatTimeoutSeconds * 1_000)), seed: seed, logger: logger,
            memoryBudgetMiB: memoryBudgetMiB)
    }
}
