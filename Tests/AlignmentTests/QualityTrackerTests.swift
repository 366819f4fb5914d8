import Testing

@testable import Alignment

@Suite("Quality verdicts and trend")
struct QualityTrackerTests {
    private func metrics(focus: Double, missing: Double = 0, backJumps: Double = 0, accuracy: Double? = nil) -> AlignmentMetrics {
        AlignmentMetrics(focusRate: focus, coverage: focus, diagonality: 1, backJumpRate: backJumps, skipRate: 0,
                         missingTokens: missing, entropy: 0.2, drift: 0.05, accuracy: accuracy)
    }

    @Test("aligned needs focus, few missing tokens, few back-jumps and, where known, accuracy")
    func alignedNeedsEverything() {
        let thresholds = AlignmentThresholds()
        #expect(thresholds.isAligned(metrics(focus: 0.8)))
        #expect(!thresholds.isAligned(metrics(focus: 0.69)))
        #expect(!thresholds.isAligned(metrics(focus: 0.8, missing: 0.06)))
        #expect(!thresholds.isAligned(metrics(focus: 0.8, backJumps: 0.03)))
        // Sharp but wrong: the too-high learning rate case.
        #expect(!thresholds.isAligned(metrics(focus: 0.85, accuracy: 0.2)))
        #expect(thresholds.shortfalls(metrics(focus: 0.85, accuracy: 0.2)) == ["accuracy 0.2 < 0.9"])
        #expect(thresholds.shortfalls(metrics(focus: 0.8)).isEmpty)
    }

    @Test("the tracker remembers the first aligned step, notices a lost alignment, and fits the trend")
    func history() {
        var tracker = QualityTracker(trendWindow: 3)
        let first = tracker.record(step: 100, metrics: metrics(focus: 0.3))
        #expect(!first.aligned && first.firstAlignedStep == nil && first.focusTrend == 0)
        let second = tracker.record(step: 200, metrics: metrics(focus: 0.5))
        #expect(abs(second.focusTrend - 2.0) < 1e-9)  // +0.2 per 100 steps = 2 per 1 000
        let third = tracker.record(step: 300, metrics: metrics(focus: 0.75))
        #expect(third.aligned && third.firstAlignedStep == 300 && !third.alignmentLost)
        let fourth = tracker.record(step: 400, metrics: metrics(focus: 0.45))
        #expect(!fourth.aligned && fourth.alignmentLost && fourth.firstAlignedStep == 300)
        #expect(fourth.bestFocus == 0.75)
        // Window of 3: steps 200–400, focus 0.5, 0.75, 0.45 → slope −0.025 per 100 steps.
        #expect(abs(fourth.focusTrend - (-0.25)) < 1e-9)
    }
}
