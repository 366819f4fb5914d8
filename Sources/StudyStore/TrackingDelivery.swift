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
    /// The trial state last sent (`running`, `complete`, …).
    public var stateSent: String?

    /// Nothing sent yet.
    public init(runID: String? = nil, metricsThrough: Int64 = 0, generationsSent: Int = 0, restartsSent: Int = 0, filesSent: [String] = [],
                stateSent: String? = nil) {
        self.runID = runID
        self.metricsThrough = metricsThrough
        self.generationsSent = generationsSent
        self.restartsSent = restartsSent
        self.filesSent = filesSent
        self.stateSent = stateSent
    }
}

/// What a ``TrackingDelivery`` is about.
public enum TrackingSubject: Sendable, Hashable {
    /// The study itself (MLflow's parent run).
    case study
    /// Trial `number` of the study.
    case trial(number: Int)

    /// The trial number column of the store (-1 for the study).
    var storedNumber: Int {
        switch self {
        case .study: return -1
        case .trial(let number): return number
        }
    }

    init(storedNumber: Int) { self = storedNumber < 0 ? .study : .trial(number: storedNumber) }
}
