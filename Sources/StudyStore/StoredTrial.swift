import Optimization
import Training

/// A trial as stored: Optuna's fields plus SmartTuner's supervision data.
public struct StoredTrial: Sendable, Hashable {
    /// The row id (Optuna's `trial_id`).
    public let id: Int64
    /// Its number in the study, from 0.
    public let number: Int
    /// Its state; `nil` for Optuna's WAITING.
    public let state: TrialState?
    /// Its parameters.
    public let parameters: [String: ParameterValue]
    /// Its final value (complete and pruned trials).
    public let value: Double?
    /// Intermediate objective values by step.
    public let intermediate: [Int: Double]
    /// The current incarnation.
    public let generation: Int
    /// The worker that owns (or last owned) it.
    public let worker: String?
    /// Times it was taken over from a dead worker.
    public let interruptions: Int
    /// The furthest step reported.
    public let lastStep: Int
    /// The hyperparameters of the current incarnation (after smart-restart adjustments).
    public let hyperparameters: [String: Double]
    /// How it ended; `nil` while it runs (or for a code this version does not know).
    public let outcome: StoredOutcome?
    /// The trial summary as JSON (DESIGN §5 metric names).
    public let summaryJSON: String?
    /// The alignment metrics and objective of its last validation (DESIGN §5 names), as
    /// reported while it ran.
    public let quality: [String: Double]
    /// When it started and completed (`YYYY-MM-DD HH:MM:SS.ffffff`).
    public let startedAt: String?
    /// When it completed.
    public let completedAt: String?
    /// Whether it was created by `ask` for an outside script (never taken over).
    public let external: Bool

    /// Creates a stored trial (backends only).
    package init(id: Int64, number: Int, state: TrialState?, parameters: [String: ParameterValue], value: Double?, intermediate: [Int: Double],
                 generation: Int, worker: String?, interruptions: Int, lastStep: Int, hyperparameters: [String: Double],
                 outcome: StoredOutcome?, summaryJSON: String?, quality: [String: Double], startedAt: String?, completedAt: String?,
                 external: Bool) {
        self.id = id
        self.number = number
        self.state = state
        self.parameters = parameters
        self.value = value
        self.intermediate = intermediate
        self.generation = generation
        self.worker = worker
        self.interruptions = interruptions
        self.lastStep = lastStep
        self.hyperparameters = hyperparameters
        self.outcome = outcome
        self.summaryJSON = summaryJSON
        self.quality = quality
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.external = external
    }

    /// What to train it again with: the hyperparameters of its current incarnation, or for a
    /// trial from `ask` (which records none) its sampled numeric parameters.
    public var trainingHyperparameters: [String: Double] {
        hyperparameters.isEmpty ? parameters.compactMapValues(\.number) : hyperparameters
    }

    /// The trial as samplers and pruners see it (values minimised).
    public func snapshot(direction: StudyDirection) -> TrialSnapshot {
        TrialSnapshot(number: number, parameters: parameters, state: state ?? .running,
                      value: value.map(direction.minimized), intermediate: intermediate.mapValues(direction.minimized))
    }
}

/// What a worker got when it asked for work.
public enum TrialClaim: Sendable, Hashable {
    /// A new trial with sampled parameters.
    case new(StoredTrial)
    /// A trial a dead worker left running, taken over, with all its checkpoints (newest first),
    /// whichever host wrote them: the resume point is chosen from them by the one rule
    /// (``Checkpoint/resumePoint(from:before:matching:)``, which verifies each file here), or it
    /// starts from scratch; a newer checkpoint this host cannot read is noted in the record.
    case resumed(StoredTrial, checkpoints: [Checkpoint])
    /// No trial to start now, but others are still running (one may die and need taking over).
    case wait
    /// The study has all its trials and none is running.
    case done
}

/// A timeline entry of a trial.
public struct StoredEvent: Sendable, Hashable, Codable {
    /// The incarnation.
    public let generation: Int
    /// When.
    public let at: String
    /// The kind, such as `started`, `failed(nonFinite)`, `interrupted`.
    public let kind: String
    /// What happened, in words.
    public let detail: String

    /// Creates an event.
    public init(generation: Int, at: String, kind: String, detail: String) {
        self.generation = generation
        self.at = at
        self.kind = kind
        self.detail = detail
    }
}

/// One smart restart as stored.
public struct StoredRestart: Sendable, Hashable {
    /// The incarnation it started.
    public let generation: Int
    /// The failure cause.
    public let cause: FailureCause
    /// What showed the failure.
    public let evidence: String
    /// The hyperparameter changes the restart rule made.
    public let changes: [ParameterChange]
    /// The checkpoint resumed from.
    public let checkpoint: String?
    /// The backoff waited, seconds.
    public let backoffSeconds: Double
    /// Whether the new generation continued in the same worker process.
    public let kind: RestartKind

    /// Creates a restart record.
    public init(generation: Int, cause: FailureCause, evidence: String, changes: [ParameterChange], checkpoint: String?, backoffSeconds: Double,
                kind: RestartKind = .cold) {
        self.kind = kind
        self.generation = generation
        self.cause = cause
        self.evidence = evidence
        self.changes = changes
        self.checkpoint = checkpoint
        self.backoffSeconds = backoffSeconds
    }
}
