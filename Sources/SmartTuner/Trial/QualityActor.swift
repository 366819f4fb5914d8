import Alignment
import Supervision
import Training

/// Turns a trial generation's validation reports into quality reports (DESIGN §5) and passes
/// them on to the early-stop judge, followed by the end of training when the trainer returns.
actor QualityActor {
    private let inbox: Mailbox<QualityInput>
    private let judge: MailboxSender<JudgeInput>
    private var tracker: QualityTracker

    init(inbox: Mailbox<QualityInput>, judge: MailboxSender<JudgeInput>, thresholds: AlignmentThresholds) {
        self.inbox = inbox
        self.judge = judge
        self.tracker = QualityTracker(thresholds: thresholds)
    }

    /// Receives until cancelled.
    func run() async throws {
        while let envelope = try await inbox.receive() {
            switch envelope.message {
            case .validation(let validation):
                let report = tracker.record(step: validation.step, metrics: try Self.metrics(of: validation))
                try await judge.send(.quality(report, validationLoss: validation.totalLoss))
            case .endOfTraining:
                try await judge.send(.endOfTraining)
            }
        }
    }

    /// The batch-mean alignment metrics of a validation's attention samples.
    static func metrics(of validation: ValidationMetrics) throws -> AlignmentMetrics {
        let each = try validation.samples.map { sample in
            try AlignmentAnalysis.metrics(
                AttentionMatrix(values: sample.attention, frames: sample.frames, tokens: sample.tokens),
                gateLogits: sample.gateLogits, trueAlignment: sample.trueAlignment)
        }
        // No attention at all (a trainer without samples) counts as no alignment information.
        return AlignmentMetrics.mean(of: each) ?? AlignmentMetrics(
            focusRate: 0, coverage: 0, diagonality: 0, backJumpRate: 0, skipRate: 0, missingTokens: 1, entropy: 1, drift: 1)
    }
}
