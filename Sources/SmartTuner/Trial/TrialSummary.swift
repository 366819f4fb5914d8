import Alignment
import Supervision
import Training

/// How a trial went, for people and for `--json`: outcome, steps, every restart with its cause,
/// evidence and parameter diff, the final alignment (metric names of DESIGN §5) and checkpoint.
public struct TrialSummary: Sendable, Codable {
    /// One restart.
    public struct Restart: Sendable, Codable {
        /// The incarnation it started.
        public let generation: Int
        /// The failure cause.
        public let cause: FailureCause
        /// What showed the failure.
        public let evidence: String
        /// The hyperparameter changes.
        public let changes: [ParameterChange]
        /// The checkpoint resumed from (`nil`: from scratch).
        public let checkpoint: String?
        /// The backoff waited, in seconds.
        public let backoffSeconds: Double
        /// Whether it continued in the same worker process.
        public let kind: RestartKind

        enum CodingKeys: String, CodingKey {
            case generation, cause, evidence, changes, checkpoint, kind
            case backoffSeconds = "backoff_seconds"
        }
    }

    /// The trial.
    public let trialID: String
    /// The outcome kind, such as `completed.budget` or `failed.nonFinite`.
    public let outcome: String
    /// The outcome in words.
    public let outcomeDescription: String

    /// The outcome's kind (`nil` while the trial runs).
    public var outcomeKind: TrialOutcome.Kind? { TrialOutcome.Kind(rawValue: outcome) }
    /// The furthest step reached.
    public let steps: Int
    /// The restarts, in order.
    public let restarts: [Restart]
    /// The final hyperparameters.
    public let hyperparameters: [String: Double]
    /// The last validation's alignment metrics.
    public let alignment: AlignmentMetrics?
    /// Whether the last validation counted as aligned.
    public let aligned: Bool?
    /// The first step at which the trial aligned.
    public let firstAlignedStep: Int?
    /// The last objective value.
    public let objective: Double?
    /// The newest checkpoint.
    public let checkpoint: String?
    /// What its trainer could not see, and so what was not judged (empty: everything was seen).
    public let unseen: [String]

    enum CodingKeys: String, CodingKey {
        case outcome, steps, restarts, hyperparameters, alignment, aligned, objective, checkpoint, unseen
        case trialID = "trial_id"
        case outcomeDescription = "outcome_description"
        case firstAlignedStep = "first_aligned_step"
    }

    /// Summarises a record.
    public init(_ record: TrialRecord, initialHyperparameters: [String: Double]) {
        trialID = record.trialID
        let outcome = record.outcome
        self.outcome = outcome?.kind ?? "running"
        outcomeDescription = outcome?.description ?? "still running"
        steps = record.lastStep
        var restarts: [Restart] = []
        var failures: [Int: Evidence] = [:]
        var parameters = initialHyperparameters
        var firstAligned: Int?
        for event in record.timeline {
            switch event {
            case .failed(let generation, _, let evidence):
                failures[generation] = evidence
            case .restarted(let generation, let cause, let changes, let checkpoint, let backoff, let kind):
                restarts.append(Restart(generation: generation, cause: cause, evidence: failures[generation - 1]?.summary ?? "",
                                        changes: changes, checkpoint: checkpoint, backoffSeconds: backoff.seconds, kind: kind))
                for change in changes { parameters[change.name] = change.to }
            case .firstAlignment(_, let step):
                firstAligned = firstAligned ?? step
            default:
                break
            }
        }
        self.restarts = restarts
        hyperparameters = parameters
        let quality = record.lastQuality
        alignment = quality?.report.metrics
        aligned = quality?.report.aligned
        firstAlignedStep = firstAligned
        objective = record.lastObjective
        checkpoint = record.latestCheckpoint?.path
        let visibility = record.visibility
        unseen = visibility.missing.map { "\($0.words): \(visibility.consequence(of: $0))" } + visibility.notes
    }
}
