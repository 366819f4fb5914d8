import StudyStore

/// One trial as `trials`, `export` and `monitor` show it.
public struct TrialRow: Sendable, Codable {
    /// Its number.
    public let number: Int
    /// complete, pruned, failed or running.
    public let state: String
    /// Its value (complete and pruned trials).
    public let value: Double?
    /// Its parameters, as text.
    public let parameters: [String: String]
    /// The furthest step reported.
    public let step: Int
    /// Its current generation (restarts and take-overs each add one).
    public let generation: Int
    /// Times it was taken over after its worker died.
    public let interruptions: Int
    /// Its outcome kind.
    public let outcome: String?
    /// Alignment metrics and objective of its last validation (DESIGN §5 names).
    public let metrics: [String: Double]
    /// When it started and completed.
    public let started: String?
    /// When it completed.
    public let completed: String?

    enum CodingKeys: String, CodingKey {
        case number, state, value, parameters, step, generation, interruptions, outcome, metrics, started, completed
    }

    /// The row of a stored trial.
    public init(_ trial: StoredTrial) {
        number = trial.number
        state = trial.state?.rawValue ?? "waiting"
        value = trial.value
        parameters = trial.parameters.mapValues(\.description)
        step = trial.lastStep
        generation = trial.generation
        interruptions = trial.interruptions
        outcome = trial.outcome
        metrics = TrialDetails.metrics(fromSummary: trial.summaryJSON)
        started = trial.startedAt
        completed = trial.completedAt
    }
}
