/// One figure of a running trial at one step, as the study file keeps it for the tracking
/// systems fed from it (MLflow, TensorBoard): a training loss, the learning rate, a validation
/// loss, an alignment metric, the objective. Names are the tags the tracking systems show
/// (`train/total`, `validation/mel`, `alignment/focus_rate`, `objective`); values keep NaN and
/// ±infinity.
public struct MetricPoint: Sendable, Hashable {
    /// The training step.
    public var step: Int
    /// The name, as tracking systems show it.
    public var name: String
    /// The value.
    public var value: Double
    /// When it was recorded, in milliseconds since 1970: what tracking systems are given as its
    /// time, so that sending it again sends exactly the same point.
    public var timestampMilliseconds: Int64

    /// Creates a point.
    public init(step: Int, name: String, value: Double, timestampMilliseconds: Int64) {
        self.step = step
        self.name = name
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// A ``MetricPoint`` as stored: its row id (increasing in the order points were written, the
/// cursor a tracking delivery keeps) and the incarnation it belongs to.
public struct StoredMetric: Sendable, Hashable {
    /// The row id.
    public let id: Int64
    /// The incarnation.
    public let generation: Int
    /// The point.
    public let point: MetricPoint

    /// Creates a stored point.
    public init(id: Int64, generation: Int, point: MetricPoint) {
        self.id = id
        self.generation = generation
        self.point = point
    }
}
