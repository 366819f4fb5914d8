/// When an utterance batch counts as aligned, and when an alignment has failed (DESIGN §5).
///
/// Aligned: focus ≥ `alignedFocus`, missing tokens ≤ `maxMissingTokens`, back-jumps ≤
/// `maxBackJumpRate`, and — where the true alignment is known — ±1 accuracy ≥
/// `minimumAccuracy`. Focus alone misjudges: a too-high learning rate makes attention sharp
/// on the wrong tokens (focus above 0.75 with accuracy near 0.2), hence the other conditions.
/// Failed: focus < `failedFocus` when the alignment deadline is reached.
public struct AlignmentThresholds: Sendable, Hashable, Codable {
    /// Smallest focus rate that counts as aligned.
    public var alignedFocus: Double = 0.7
    /// Largest share of missing tokens that counts as aligned.
    public var maxMissingTokens: Double = 0.05
    /// Largest back-jump rate that counts as aligned.
    public var maxBackJumpRate: Double = 0.02
    /// Smallest ±1 accuracy that counts as aligned, where the true alignment is known.
    public var minimumAccuracy: Double = 0.9
    /// Below this focus at the alignment deadline, alignment has failed.
    public var failedFocus: Double = 0.4

    /// The defaults of DESIGN §5 (plus the accuracy condition where truth is known).
    public init() {}

    /// Whether `metrics` count as aligned.
    public func isAligned(_ metrics: AlignmentMetrics) -> Bool {
        if metrics.measurement == .focusRateOnly { return metrics.focusRate >= alignedFocus }
        return metrics.focusRate >= alignedFocus && metrics.missingTokens <= maxMissingTokens
            && metrics.backJumpRate <= maxBackJumpRate && (metrics.accuracy.map { $0 >= minimumAccuracy } ?? true)
    }

    /// Which conditions of alignment `metrics` fail, in words (empty when aligned).
    public func shortfalls(_ metrics: AlignmentMetrics) -> [String] {
        var reasons: [String] = []
        if metrics.focusRate < alignedFocus { reasons.append("focus_rate \(format(metrics.focusRate)) < \(alignedFocus)") }
        guard metrics.measurement == .attention else { return reasons }
        if metrics.missingTokens > maxMissingTokens { reasons.append("missing_tokens \(format(metrics.missingTokens)) > \(maxMissingTokens)") }
        if metrics.backJumpRate > maxBackJumpRate { reasons.append("back_jump_rate \(format(metrics.backJumpRate)) > \(maxBackJumpRate)") }
        if let accuracy = metrics.accuracy, accuracy < minimumAccuracy {
            reasons.append("accuracy \(format(accuracy)) < \(minimumAccuracy)")
        }
        return reasons
    }

    private func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
