import Optimization
import StudyStore
import Training

/// What a running study reports to its watchers (progress displays, embedders).
public enum StudyEvent: Sendable {
    /// A trial started, new or taken over from a dead worker (`resumedFrom` its checkpoint).
    case trialStarted(number: Int, parameters: [String: ParameterValue], generation: Int, resumedFrom: String?, takenOver: Bool)
    /// Something happened in a trial.
    case trial(number: Int, event: TrialEvent)
    /// A training step of a trial.
    case step(number: Int, generation: Int, metrics: StepMetrics)
    /// A trial ended; `value` is what the study optimises.
    case trialFinished(number: Int, outcome: TrialOutcome, value: Double?, newBest: Bool)
    /// A trial was left running for a later run to resume (this process stopped).
    case trialReleased(number: Int)
    /// Another worker took the trial over while this process ran it (this one had been silent
    /// past the heartbeat timeout): this run's result is dropped, and that worker's counts.
    case trialSuperseded(number: Int)
}
