/// What the early-stopping judge concludes about a trial after a step or a validation.
public enum TrialVerdict: Sendable, Hashable {
    /// Keep training.
    case `continue`
    /// End the trial successfully.
    case stop(StopReason, Evidence)
    /// End the trial: the pruner says it will not beat the others.
    case prune(Evidence)
    /// The incarnation failed; the restart policy decides what follows.
    case fail(FailureCause, Evidence)

    /// Why a trial is stopped early without failing.
    public enum StopReason: String, Sendable, Hashable, Codable {
        /// The objective stopped improving.
        case converged
        /// Validation worsens while the train/validation gap grows.
        case overfitting
    }
}
