/// A run of an MLflow server, as SmartTuner reads it back.
public struct MLflowRun: Sendable, Hashable {
    /// The run id.
    public let id: String
    /// Where its artifacts go (`mlflow-artifacts:/1/<id>/artifacts` on a serving server).
    public let artifactURI: String
    /// RUNNING, FINISHED, FAILED, KILLED, SCHEDULED.
    public let status: String
    /// Its tags.
    public let tags: [String: String]
}

/// A run's status (MLflow's `RunStatus`).
public enum MLflowRunStatus: String, Sendable, Hashable {
    case running = "RUNNING"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"
}

/// One metric value at a step (`value` may be NaN or infinite: sent as MLflow's JSON takes them).
public struct MLflowMetric: Sendable, Hashable, Encodable {
    /// The metric's key.
    public let key: String
    /// The value.
    public let value: Double
    /// Milliseconds since 1970.
    public let timestamp: Int64
    /// The step.
    public let step: Int

    /// Creates a metric value.
    public init(key: String, value: Double, timestamp: Int64, step: Int) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}
