/// What one tracking system has been sent of a study or of one of its trials. The study file
/// keeps it beside what it describes, so that whatever could not be sent (the server was down,
/// the process was killed) is sent later from the file, and nothing is sent twice.
public struct TrackingDelivery: Sendable, Hashable, Codable {
    /// The tracking system's id of the run made for it (an MLflow run id), once made.
    public var runID: String?
    /// The newest ``StoredMetric/id`` sent (0: none).
    public var metricsThrough: Int64
    /// How many generations' hyperparameters were sent.
    public var generationsSent: Int
    /// How many restarts were sent.
    public var restartsSent: Int
    /// The files uploaded (heatmaps, checkpoints, model cards), by path.
    public var filesSent: [String]
    /// The trial state last sent (`running`, `complete`, …; `complete` for a study when its
    /// end was sent).
    public var stateSent: String?
    /// For a study: the trials whose results were sent.
    public var resultsSent: [Int]

    /// Nothing sent yet.
    public init(runID: String? = nil, metricsThrough: Int64 = 0, generationsSent: Int = 0, restartsSent: Int = 0, filesSent: [String] = [],
                stateSent: String? = nil, resultsSent: [Int] = []) {
        self.resultsSent = resultsSent
        self.runID = runID
        self.metricsThrough = metricsThrough
        self.generationsSent = generationsSent
        self.restartsSent = restartsSent
        self.filesSent = filesSent
        self.stateSent = stateSent
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", metricsThrough = "metrics_through", generationsSent = "generations_sent", restartsSent = "restarts_sent"
        case filesSent = "files_sent", stateSent = "state_sent", resultsSent = "results_sent"
    }

    /// Reads a record; what an older version did not write reads as not sent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(runID: try c.decodeIfPresent(String.self, forKey: .runID),
                  metricsThrough: try c.decodeIfPresent(Int64.self, forKey: .metricsThrough) ?? 0,
                  generationsSent: try c.decodeIfPresent(Int.self, forKey: .generationsSent) ?? 0,
                  restartsSent: try c.decodeIfPresent(Int.self, forKey: .restartsSent) ?? 0,
                  filesSent: try c.decodeIfPresent([String].self, forKey: .filesSent) ?? [],
                  stateSent: try c.decodeIfPresent(String.self, forKey: .stateSent),
                  resultsSent: try c.decodeIfPresent([Int].self, forKey: .resultsSent) ?? [])
    }
}

/// What a ``TrackingDelivery`` is about.
public enum TrackingSubject: Sendable, Hashable {
    /// The study itself (MLflow's parent run).
    case study
    /// Trial `number` of the study.
    case trial(number: Int)

    /// The trial number column of the store (-1 for the study).
    package var storedNumber: Int {
        switch self {
        case .study: return -1
        case .trial(let number): return number
        }
    }

    package init(storedNumber: Int) { self = storedNumber < 0 ? .study : .trial(number: storedNumber) }
}
