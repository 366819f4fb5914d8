/// The alignment quality of one utterance, or the mean over a batch (DESIGN §5).
///
/// Coding keys are the metric names used everywhere (JSON output, events, store, UI). Metrics
/// that were not measured (``Measurement/focusRateOnly``) are neither encoded nor named.
public struct AlignmentMetrics: Sendable, Codable, Hashable {
    /// What the metrics were computed from.
    public enum Measurement: String, Sendable, Hashable, Codable {
        /// Attention matrices: every metric of DESIGN §5.
        case attention
        /// Only the focus rate, as a trainer computed it itself (Coqui's `align_error` is 1 − F
        /// over its padded frames); the other metrics are unknown and never used.
        case focusRateOnly = "focus_rate_only"
    }

    /// What the metrics were computed from.
    public var measurement: Measurement = .attention

    /// F: mean over frames of the largest weight.
    public var focusRate: Double
    /// C: mean over tokens of the largest weight any frame gives it.
    public var coverage: Double
    /// G: mean over frames of the weight within the diagonal band.
    public var diagonality: Double
    /// B: share of frame steps whose argmax token moves backwards.
    public var backJumpRate: Double
    /// S: tokens skipped by argmax jumps, over N.
    public var skipRate: Double
    /// M: share of tokens whose total weight is below 0.5.
    public var missingTokens: Double
    /// H: mean normalised row entropy.
    public var entropy: Double
    /// δ: mean distance of the argmax path from the diagonal.
    public var drift: Double
    /// E: distance of the first stop frame from the last frame, over T (when gates are given).
    public var stopError: Double?
    /// Share of frames whose argmax is within one token of the true alignment (when known).
    public var accuracy: Double?

    enum CodingKeys: String, CodingKey {
        case focusRate = "focus_rate"
        case coverage
        case diagonality
        case backJumpRate = "back_jump_rate"
        case skipRate = "skip_rate"
        case missingTokens = "missing_tokens"
        case entropy
        case drift
        case stopError = "stop_error"
        case accuracy
    }

    /// Metrics of which only the focus rate is known (a trainer's own scalar).
    public static func focusRateOnly(_ focusRate: Double) -> AlignmentMetrics {
        var metrics = AlignmentMetrics(focusRate: focusRate, coverage: 0, diagonality: 0, backJumpRate: 0, skipRate: 0,
                                       missingTokens: 0, entropy: 0, drift: 0)
        metrics.measurement = .focusRateOnly
        return metrics
    }

    /// The metrics by their DESIGN §5 names (`focus_rate`, …); absent optional ones, and those
    /// not measured, are left out.
    public var named: [String: Double] {
        if measurement == .focusRateOnly { return [CodingKeys.focusRate.rawValue: focusRate] }
        var values: [String: Double] = [
            CodingKeys.focusRate.rawValue: focusRate, CodingKeys.coverage.rawValue: coverage,
            CodingKeys.diagonality.rawValue: diagonality, CodingKeys.backJumpRate.rawValue: backJumpRate,
            CodingKeys.skipRate.rawValue: skipRate, CodingKeys.missingTokens.rawValue: missingTokens,
            CodingKeys.entropy.rawValue: entropy, CodingKeys.drift.rawValue: drift,
        ]
        if let stopError { values[CodingKeys.stopError.rawValue] = stopError }
        if let accuracy { values[CodingKeys.accuracy.rawValue] = accuracy }
        return values
    }

    /// Creates metrics from their values.
    public init(focusRate: Double, coverage: Double, diagonality: Double, backJumpRate: Double, skipRate: Double,
                missingTokens: Double, entropy: Double, drift: Double, stopError: Double? = nil, accuracy: Double? = nil) {
        self.focusRate = focusRate
        self.coverage = coverage
        self.diagonality = diagonality
        self.backJumpRate = backJumpRate
        self.skipRate = skipRate
        self.missingTokens = missingTokens
        self.entropy = entropy
        self.drift = drift
        self.stopError = stopError
        self.accuracy = accuracy
    }

    /// Decodes what ``encode(to:)`` wrote: the named metrics; only `focus_rate` means only it was measured.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        focusRate = try c.decode(Double.self, forKey: .focusRate)
        guard c.contains(.coverage) else {
            self = .focusRateOnly(focusRate)
            return
        }
        coverage = try c.decode(Double.self, forKey: .coverage)
        diagonality = try c.decode(Double.self, forKey: .diagonality)
        backJumpRate = try c.decode(Double.self, forKey: .backJumpRate)
        skipRate = try c.decode(Double.self, forKey: .skipRate)
        missingTokens = try c.decode(Double.self, forKey: .missingTokens)
        entropy = try c.decode(Double.self, forKey: .entropy)
        drift = try c.decode(Double.self, forKey: .drift)
        stopError = try c.decodeIfPresent(Double.self, forKey: .stopError)
        accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy)
    }

    /// Encodes the named metrics (``named``), nothing that was not measured.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (name, value) in named {
            if let key = CodingKeys(rawValue: name) { try c.encode(value, forKey: key) }
        }
    }

    /// The mean of each metric over `utterances`; an optional metric is averaged over the
    /// utterances that have it, and is `nil` if none has. `nil` for an empty batch.
    public static func mean(of utterances: [AlignmentMetrics]) -> AlignmentMetrics? {
        guard !utterances.isEmpty else { return nil }
        let count = Double(utterances.count)
        func average(_ value: (AlignmentMetrics) -> Double) -> Double { utterances.map(value).reduce(0, +) / count }
        func averageOptional(_ value: (AlignmentMetrics) -> Double?) -> Double? {
            let present = utterances.compactMap(value)
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        return AlignmentMetrics(
            focusRate: average(\.focusRate), coverage: average(\.coverage), diagonality: average(\.diagonality),
            backJumpRate: average(\.backJumpRate), skipRate: average(\.skipRate),
            missingTokens: average(\.missingTokens), entropy: average(\.entropy), drift: average(\.drift),
            stopError: averageOptional(\.stopError), accuracy: averageOptional(\.accuracy))
    }
}
