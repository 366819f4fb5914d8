/// The alignment quality of one validation, with its history: what a QualityActor reports.
public struct QualityReport: Sendable, Hashable, Codable {
    /// The training step of the validation.
    public let step: Int
    /// Batch-mean metrics.
    public let metrics: AlignmentMetrics
    /// Whether the batch counts as aligned.
    public let aligned: Bool
    /// Why not, when it is not (empty when aligned).
    public let shortfalls: [String]
    /// The first step at which the run was aligned, if it ever was.
    public let firstAlignedStep: Int?
    /// Whether the run had been aligned and is not any more.
    public let alignmentLost: Bool
    /// The best focus rate so far.
    public let bestFocus: Double
    /// Least-squares slope of the focus rate over the recent validations, per 1 000 steps.
    public let focusTrend: Double
}

/// Turns a run's successive validation metrics into ``QualityReport``s. A plain value: the
/// QualityActor holds one per trial generation; tests use it directly.
public struct QualityTracker: Sendable {
    /// The thresholds applied.
    public let thresholds: AlignmentThresholds
    /// How many recent validations the trend is fitted over.
    public let trendWindow: Int
    private var recent: [(step: Int, focus: Double)] = []
    private var firstAligned: Int?
    private var best = 0.0

    /// Creates a tracker.
    public init(thresholds: AlignmentThresholds = AlignmentThresholds(), trendWindow: Int = 5) {
        self.thresholds = thresholds
        self.trendWindow = max(2, trendWindow)
    }

    /// Records the validation at `step` and reports on it.
    public mutating func record(step: Int, metrics: AlignmentMetrics) -> QualityReport {
        let aligned = thresholds.isAligned(metrics)
        if aligned, firstAligned == nil { firstAligned = step }
        best = max(best, metrics.focusRate)
        recent.append((step, metrics.focusRate))
        if recent.count > trendWindow { recent.removeFirst(recent.count - trendWindow) }
        return QualityReport(
            step: step, metrics: metrics, aligned: aligned, shortfalls: thresholds.shortfalls(metrics),
            firstAlignedStep: firstAligned, alignmentLost: firstAligned != nil && !aligned, bestFocus: best,
            focusTrend: Self.slope(recent) * 1_000)
    }

    private static func slope(_ points: [(step: Int, focus: Double)]) -> Double {
        guard points.count >= 2 else { return 0 }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + Double($1.step) } / n
        let meanY = points.reduce(0) { $0 + $1.focus } / n
        var covariance = 0.0, variance = 0.0
        for point in points {
            covariance += (Double(point.step) - meanX) * (point.focus - meanY)
            variance += (Double(point.step) - meanX) * (Double(point.step) - meanX)
        }
        return variance > 0 ? covariance / variance : 0
    }
}
