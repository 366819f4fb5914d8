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

/// Turns a trial's successive validation metrics into ``QualityReport``s. A plain value: a
/// trial's record holds one for all its incarnations; tests use it directly.
///
/// The history belongs to the trial, not to one incarnation: a restart or a take-over that
/// resumes from the checkpoint at step s keeps every validation up to s (what the weights it
/// resumes from had already shown: the first aligned step, the best focus) and drops the
/// later ones, which the new incarnation goes through again (``cut(after:)``). A start from
/// scratch drops everything: the new model must align on its own.
public struct QualityTracker: Sendable {
    /// One judged validation.
    public struct Point: Sendable, Hashable {
        /// Its step.
        public let step: Int
        /// Its focus rate.
        public let focus: Double
        /// Whether it counted as aligned.
        public let aligned: Bool

        /// Creates a point.
        public init(step: Int, focus: Double, aligned: Bool) {
            self.step = step
            self.focus = focus
            self.aligned = aligned
        }
    }

    /// The thresholds applied.
    public let thresholds: AlignmentThresholds
    /// How many recent validations the trend is fitted over.
    public let trendWindow: Int
    /// The validations of the trial's current lineage, oldest first.
    public private(set) var points: [Point] = []

    /// Creates a tracker with an empty history.
    public init(thresholds: AlignmentThresholds = AlignmentThresholds(), trendWindow: Int = 5) {
        self.thresholds = thresholds
        self.trendWindow = max(2, trendWindow)
    }

    /// The first step at which the lineage was aligned.
    public var firstAlignedStep: Int? { points.first(where: \.aligned)?.step }

    /// Drops the validations after `step` (`nil`: all of them), for an incarnation that resumes
    /// from the checkpoint at `step` (or from scratch).
    public mutating func cut(after step: Int?) {
        guard let step else { return points.removeAll() }
        points.removeAll { $0.step > step }
    }

    /// Adds what is known of validations recorded elsewhere (a trial taken over from another
    /// process knows only where its checkpoints were aligned), in step order.
    public mutating func seed(_ known: [Point]) {
        points = (points + known).sorted { $0.step < $1.step }
    }

    /// Records the validation at `step` and reports on it.
    public mutating func record(step: Int, metrics: AlignmentMetrics) -> QualityReport {
        let aligned = thresholds.isAligned(metrics)
        points.append(Point(step: step, focus: metrics.focusRate, aligned: aligned))
        let firstAligned = firstAlignedStep
        let best = points.reduce(0) { $1.focus.isNaN ? $0 : max($0, $1.focus) }
        return QualityReport(
            step: step, metrics: metrics, aligned: aligned, shortfalls: thresholds.shortfalls(metrics),
            firstAlignedStep: firstAligned, alignmentLost: firstAligned != nil && !aligned, bestFocus: best,
            focusTrend: Self.slope(points.suffix(trendWindow).filter { !$0.focus.isNaN }.map { ($0.step, $0.focus) }) * 1_000)
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
