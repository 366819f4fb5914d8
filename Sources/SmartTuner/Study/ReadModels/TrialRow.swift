import StudyStore

/// One trial as `trials`, `export` and `monitor` show it.
public struct TrialRow: Sendable, Codable {
    /// Its number.
    public let number: Int
    /// complete, pruned, failed or running.
    public let state: String
    /// Its value (complete and pruned trials).
    public let value: Double?
    /// Its parameters (JSON numbers, or strings for categories).
    public let parameters: [String: PlainParameter]
    /// The furthest step reported.
    public let step: Int
    /// Its current generation (restarts and take-overs each add one).
    public let generation: Int
    /// Times it was taken over after its worker stopped or died.
    public let interruptions: Int
    /// Its smart restarts (each restart and each take-over starts a new generation).
    public let restarts: Int
    /// Its value, or while it runs its last validation's objective.
    public let objective: Double?
    /// How it ended (`nil` while it runs): in JSON its code, such as `completed.budget`.
    public let outcome: StoredOutcome?
    /// Alignment metrics and objective (DESIGN §5 names): of its summary once finished, of its
    /// last validation while it runs.
    public let metrics: [String: Double]
    /// When it started and completed.
    public let started: String?
    /// When it completed.
    public let completed: String?

    enum CodingKeys: String, CodingKey {
        case number, state, value, parameters, step, generation, interruptions, restarts, objective, outcome, metrics, started, completed
    }

    /// The row of a stored trial.
    public init(_ trial: StoredTrial) {
        number = trial.number
        state = trial.state?.rawValue ?? "waiting"
        value = trial.value
        parameters = trial.parameters.mapValues(PlainParameter.init)
        step = trial.lastStep
        generation = trial.generation
        interruptions = trial.interruptions
        restarts = max(0, trial.generation - trial.interruptions)
        objective = trial.value ?? trial.intermediate.max { $0.key < $1.key }?.value
        outcome = trial.outcome
        let summary = TrialDetails.metrics(fromSummary: trial.summaryJSON)
        metrics = summary.isEmpty ? trial.quality : summary
        started = trial.startedAt
        completed = trial.completedAt
    }
}
