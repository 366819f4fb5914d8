import StudyStore

/// Where a study stands: counts by state and the best trial.
public struct StudyReport: Sendable, Codable {
    /// The best trial.
    public struct Best: Sendable, Codable {
        /// Its number.
        public let number: Int
        /// Its value.
        public let value: Double
        /// Its parameters (JSON numbers, or strings for categories).
        public let parameters: [String: PlainParameter]
        /// Its last validation's alignment metrics and objective (DESIGN §5 names).
        public let metrics: [String: Double]
        /// Its newest checkpoint.
        public let checkpoint: String?
    }

    /// The study.
    public let study: String
    /// Its file.
    public let storage: String
    /// Its direction.
    public let direction: String
    /// Trials it should have.
    public let target: Int
    /// Trials by state: complete, pruned, failed, running.
    public let states: [String: Int]
    /// Take-overs: trials resumed after their worker stopped or died.
    public let takeOvers: Int
    /// The best complete trial.
    public let best: Best?
    /// What the trainers of the study's finished trials could not see (no attention, no
    /// gradient norm, …) and what the judge did without it, each once, in trial order.
    public let unseen: [String]

    /// Trials finished: complete, pruned or failed.
    public var finished: Int { (states["complete"] ?? 0) + (states["pruned"] ?? 0) + (states["failed"] ?? 0) }

    /// Whether the study has all its trials finished and none running.
    public var isFinished: Bool { finished >= target && (states["running"] ?? 0) == 0 }

    enum CodingKeys: String, CodingKey {
        case study, storage, direction, target, states, best, unseen
        case takeOvers = "take_overs"
    }

    /// The report of `study` as stored.
    public static func of(_ study: StoredStudy, in store: any StudyStore) async throws -> StudyReport {
        let trials = try await store.trials(of: study)
        var states: [String: Int] = ["complete": 0, "pruned": 0, "failed": 0, "running": 0]
        var unseen: [String] = []
        for trial in trials.sorted(by: { $0.number < $1.number }) {
            states[trial.state?.rawValue ?? "waiting", default: 0] += 1
            for line in TrialDetails.unseen(fromSummary: trial.summaryJSON) where !unseen.contains(line) { unseen.append(line) }
        }
        var best: Best?
        if let trial = try await store.bestTrial(of: study), let value = trial.value {
            best = Best(number: trial.number, value: value, parameters: trial.parameters.mapValues(PlainParameter.init),
                        metrics: TrialDetails.metrics(fromSummary: trial.summaryJSON),
                        checkpoint: try await store.checkpoints(of: trial).first?.path)
        }
        return StudyReport(study: study.definition.name, storage: store.location.description, direction: study.definition.direction.rawValue,
                           target: study.definition.targetTrials, states: states, takeOvers: trials.map(\.interruptions).reduce(0, +),
                           best: best, unseen: unseen)
    }
}
