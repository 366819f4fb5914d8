import Testing
import Randomness

@testable import SmartTuner

@Suite("Early stopping on synthetic metric streams")
struct EarlyStopJudgeTests {
    private func quality(step: Int, focus: Double, accuracy: Double? = 0.99, tracker: inout QualityTracker) -> QualityReport {
        tracker.record(step: step, metrics: AlignmentMetrics(
            focusRate: focus, coverage: focus, diagonality: 0.9, backJumpRate: 0, skipRate: 0, missingTokens: 0,
            entropy: 0.3, drift: 0.05, stopError: 0.02, accuracy: accuracy))
    }

    private func cause(_ verdict: TrialVerdict) -> FailureCause? {
        if case .fail(let cause, _) = verdict { return cause }
        return nil
    }

    @Test("a NaN loss or gradient norm fails at once as nonFinite")
    func nonFinite() {
        var judge = EarlyStopJudge()
        #expect(judge.observe(step: 1, loss: 1, gradientNorm: 1) == .continue)
        #expect(cause(judge.observe(step: 2, loss: .nan, gradientNorm: 1)) == .nonFinite)
        var other = EarlyStopJudge()
        #expect(cause(other.observe(step: 1, loss: 1, gradientNorm: .infinity)) == .nonFinite)
    }

    @Test("a loss ten times its moving average is divergence; a steady fall is not")
    func divergence() {
        var judge = EarlyStopJudge()
        for step in 1...30 { #expect(judge.observe(step: step, loss: 2 - Double(step) * 0.01, gradientNorm: 1) == .continue) }
        let verdict = judge.observe(step: 31, loss: 40, gradientNorm: 1)
        #expect(cause(verdict) == .divergence)
        if case .fail(_, let evidence) = verdict { #expect(evidence.values["loss"] == 40) }
    }

    @Test("a gradient norm over the threshold m steps running is an explosion; interrupted runs are not")
    func gradientExplosion() {
        var policy = EarlyStopPolicy()
        policy.gradientNormThreshold = 10
        policy.gradientExplosionSteps = 3
        var judge = EarlyStopJudge(policy: policy)
        let norms: [Double] = [1, 50, 50, 1, 50, 50, 50]
        let verdicts = norms.enumerated().map { judge.observe(step: $0.offset + 1, loss: 1, gradientNorm: $0.element) }
        #expect(verdicts.dropLast().allSatisfy { $0 == .continue })
        #expect(cause(verdicts.last ?? .continue) == .gradientExplosion)
    }

    @Test("not aligned by the deadline is an attention collapse; aligned before it is fine")
    func deadline() {
        var policy = EarlyStopPolicy()
        policy.alignmentDeadline = 500
        var judge = EarlyStopJudge(policy: policy)
        var tracker = QualityTracker()
        #expect(judge.observe(validationLoss: 1, quality: quality(step: 400, focus: 0.3, tracker: &tracker)).verdict == .continue)
        let late = judge.observe(validationLoss: 0.9, quality: quality(step: 500, focus: 0.35, tracker: &tracker)).verdict
        #expect(cause(late) == .attentionCollapse)
        if case .fail(_, let evidence) = late {
            #expect(evidence.summary.contains("focus_rate 0.35 < 0.7"))
            #expect(evidence.values["focus_rate"] == 0.35)
        }
        var aligned = EarlyStopJudge(policy: policy)
        var alignedTracker = QualityTracker()
        _ = aligned.observe(validationLoss: 1, quality: quality(step: 400, focus: 0.8, tracker: &alignedTracker))
        #expect(aligned.observe(validationLoss: 0.9, quality: quality(step: 500, focus: 0.8, tracker: &alignedTracker)).verdict == .continue)
    }

    @Test("alignment lost after it was reached fails after the configured validations")
    func alignmentLost() {
        var judge = EarlyStopJudge()
        var tracker = QualityTracker()
        _ = judge.observe(validationLoss: 1, quality: quality(step: 100, focus: 0.8, tracker: &tracker))
        #expect(judge.observe(validationLoss: 1, quality: quality(step: 200, focus: 0.5, tracker: &tracker)).verdict == .continue)
        #expect(cause(judge.observe(validationLoss: 1, quality: quality(step: 300, focus: 0.5, tracker: &tracker)).verdict) == .attentionCollapse)
    }

    @Test("patience: no improvement by min-delta for k validations stops as converged")
    func patience() {
        var policy = EarlyStopPolicy()
        policy.patience = 3
        policy.minDelta = 0.01
        policy.alignmentDeadline = nil
        var judge = EarlyStopJudge(policy: policy)
        var tracker = QualityTracker()
        let losses = [1.0, 0.9, 0.895, 0.899, 0.894]
        let verdicts = losses.enumerated().map {
            judge.observe(validationLoss: $0.element, quality: quality(step: ($0.offset + 1) * 100, focus: 0.8, tracker: &tracker)).verdict
        }
        #expect(verdicts.dropLast().allSatisfy { $0 == .continue })
        guard case .stop(.converged, _) = verdicts.last else { Issue.record("expected converged, got \(verdicts)"); return }
    }

    @Test("overfitting: validation worse k times while the gap grows; a worse validation with a shrinking gap is not")
    func overfitting() {
        var policy = EarlyStopPolicy()
        policy.overfittingValidations = 2
        policy.patience = nil
        policy.alignmentDeadline = nil
        var judge = EarlyStopJudge(policy: policy)
        var tracker = QualityTracker()
        for step in 1...10 { _ = judge.observe(step: step, loss: 0.5, gradientNorm: 1) }
        #expect(judge.observe(validationLoss: 0.6, quality: quality(step: 100, focus: 0.8, tracker: &tracker)).verdict == .continue)
        #expect(judge.observe(validationLoss: 0.7, quality: quality(step: 200, focus: 0.8, tracker: &tracker)).verdict == .continue)
        guard case .stop(.overfitting, _) = judge.observe(validationLoss: 0.8, quality: quality(step: 300, focus: 0.8, tracker: &tracker)).verdict
        else { Issue.record("expected overfitting"); return }

        var shrinking = EarlyStopJudge(policy: policy)
        var other = QualityTracker()
        for step in 1...10 { _ = shrinking.observe(step: step, loss: 0.5, gradientNorm: 1) }
        _ = shrinking.observe(validationLoss: 0.6, quality: quality(step: 100, focus: 0.8, tracker: &other))
        for step in 11...20 { _ = shrinking.observe(step: step, loss: 0.65, gradientNorm: 1) }
        _ = shrinking.observe(validationLoss: 0.62, quality: quality(step: 200, focus: 0.8, tracker: &other))
        for step in 21...30 { _ = shrinking.observe(step: step, loss: 0.7, gradientNorm: 1) }
        #expect(shrinking.observe(validationLoss: 0.64, quality: quality(step: 300, focus: 0.8, tracker: &other)).verdict == .continue)
    }

    @Test("the objective is val_loss + alignment penalty + ½ stop error by default, and unknown terms are refused")
    func objective() throws {
        let metrics = AlignmentMetrics(focusRate: 0.8, coverage: 0.8, diagonality: 1, backJumpRate: 0.1, skipRate: 0,
                                       missingTokens: 0.5, entropy: 0, drift: 0, stopError: 0.2)
        let expected = 0.3 + (1 - 0.8 * 0.5 * 0.9) + 0.5 * 0.2
        #expect(abs(TrialObjective.standard.value(validationLoss: 0.3, metrics: metrics) - expected) < 1e-12)
        #expect(try TrialObjective(weights: ["val_loss": 1]).value(validationLoss: 0.3, metrics: metrics) == 0.3)
        #expect(throws: TrialObjective.Error.unknownTerm("focus")) { try TrialObjective(weights: ["focus": 1]) }
    }

    @Test("the objective adds its terms in one fixed order: the same bits however its weights dictionary is laid out")
    func objectiveOrder() throws {
        let metrics = AlignmentMetrics(focusRate: 0.8137, coverage: 0.7311, diagonality: 0.9973, backJumpRate: 0.0113, skipRate: 0.0371,
                                       missingTokens: 0.0417, entropy: 0.1687, drift: 0.0354, stopError: 0.0267, accuracy: 0.9868)
        let weights = Dictionary(uniqueKeysWithValues: TrialObjective.termNames.enumerated().map { ($1, 0.1 + 0.37 * Double($0)) })
        let expected = TrialObjective.termNames.reduce(0.0) { $0 + (weights[$1] ?? 0) * TrialObjective.term($1, 0.4321, metrics) }
        // Dictionaries of the same entries iterate in different orders at different capacities
        // (and, in Swift, in different processes): the value must not follow that order.
        var rng = SplitMix64(seed: 9)
        for capacity in [0, 16, 64, 256, 1_024] {
            var names = TrialObjective.termNames
            for i in names.indices.reversed() { names.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var laidOut = [String: Double](minimumCapacity: capacity)
            for name in names { laidOut[name] = weights[name] }
            let value = try TrialObjective(weights: laidOut).value(validationLoss: 0.4321, metrics: metrics)
            #expect(value.bitPattern == expected.bitPattern, "capacity \(capacity): \(value) ≠ \(expected)")
        }
    }
}
