/// What is wrong with a validation a trainer reported (DESIGN §3: report data is checked).
///
/// Bad report data is the trainer's fault, not a training failure: it names the step, the
/// sample and what is wrong, and no hyperparameter is changed for it.
public struct ReportDataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: Sendable, Hashable {
        /// Sizes that do not fit: a count that is not frames × tokens, or one gate or true
        /// alignment entry per frame.
        case shape
        /// Values that cannot be attention: non-finite, negative, or rows that are not
        /// distributions over the tokens.
        case values
        /// An attention file (protocol 2) that is missing, unreadable or not a usable `.npy`.
        case unreadable
    }

    /// The validation's step.
    public let step: Int
    /// The sample (utterance) index within the validation, from 0; `nil` for a problem with
    /// the validation as a whole (its losses).
    public let sample: Int?
    /// Shape or values.
    public let kind: Kind
    /// What is wrong and what would be valid.
    public let problem: String

    public var description: String { "validation at step \(step)\(sample.map { ", sample \($0)" } ?? ""): \(problem)" }

    /// Creates a report-data error.
    public init(step: Int, sample: Int?, kind: Kind, problem: String) {
        self.step = step
        self.sample = sample
        self.kind = kind
        self.problem = problem
    }
}

extension ValidationMetrics {
    /// How far a row's sum may be from 1 (float16 attention written by a script sums within
    /// about 5e-4 of 1; a masked or unnormalised row is off by far more).
    public static let rowSumTolerance: Float = 0.01

    /// Checks every sample's attention, gate logits and true alignment; throws the first problem.
    public func checkReportData() throws(ReportDataError) {
        if let unreadable { throw unreadable }
        for (index, sample) in samples.enumerated() {
            if let problem = sample.shapeProblem() {
                throw ReportDataError(step: step, sample: index, kind: .shape, problem: problem)
            }
            if let problem = sample.valueProblem() {
                throw ReportDataError(step: step, sample: index, kind: .values, problem: problem)
            }
        }
    }
}

extension AttentionSample {
    func shapeProblem() -> String? {
        guard frames >= 1, tokens >= 1 else {
            return "attention of \(frames) frames × \(tokens) tokens; a sample needs at least 1 frame and 1 token"
        }
        let (cells, overflow) = frames.multipliedReportingOverflow(by: tokens)
        guard !overflow, attention.count == cells else {
            return "attention has \(attention.count) values; \(frames) frames × \(tokens) tokens needs \(overflow ? "more than Int.max" : String(cells))"
        }
        if let gates = gateLogits, gates.count != frames {
            return "\(gates.count) gate logits for \(frames) frames; give one per frame"
        }
        if let truth = trueAlignment, truth.count != frames {
            return "a true alignment of \(truth.count) entries for \(frames) frames; give one token index per frame"
        }
        return nil
    }

    func valueProblem() -> String? {
        let limit = ValidationMetrics.rowSumTolerance
        for frame in 0..<frames {
            var sum: Float = 0
            for token in 0..<tokens {
                let weight = attention[frame * tokens + token]
                guard weight.isFinite else { return "attention weight \(weight) at frame \(frame), token \(token); weights must be finite" }
                guard weight >= 0 else { return "negative attention weight \(weight) at frame \(frame), token \(token); weights must be ≥ 0" }
                sum += weight
            }
            if abs(sum - 1) > limit {
                return "the attention of frame \(frame) sums to \(sum), not 1 (±\(limit)); each frame's weights must be a distribution over the tokens (cut padded rows and columns to the valid lengths)"
            }
        }
        if let gates = gateLogits, let frame = gates.firstIndex(where: \.isNaN) {
            return "gate logit NaN at frame \(frame); gate logits must be numbers (±infinity is allowed)"
        }
        if let truth = trueAlignment, let frame = truth.firstIndex(where: { $0 < 0 || $0 >= tokens }) {
            return "true alignment token \(truth[frame]) at frame \(frame) is outside 0..<\(tokens)"
        }
        return nil
    }
}
