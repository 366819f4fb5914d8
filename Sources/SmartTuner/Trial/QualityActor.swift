import Alignment
import Supervision
import Training

/// Turns a trial generation's validation reports into quality reports (DESIGN §5) and passes
/// them on to the early-stop judge, followed by the end of training when the trainer returns.
///
/// Report data is checked first (``ValidationMetrics/checkReportData()``): data that cannot be
/// judged goes to the judge as the trainer's fault, never as metrics. The quality history the
/// reports are judged against is the trial's (its record's), not this incarnation's.
actor QualityActor {
    private let inbox: Mailbox<QualityInput>
    private let judge: MailboxSender<JudgeInput>
    private let record: TrialRecord
    private let generation: Int
    private let thresholds: AlignmentThresholds
    private let objective: TrialObjective
    private let analysis: @Sendable (ValidationMetrics) throws -> AlignmentMetrics

    /// Whether the trial's trainer gives attention (its record knows what the trainer sees).
    private var seesAttention: Bool { record.visibility.sees(.attention) }

    init(inbox: Mailbox<QualityInput>, judge: MailboxSender<JudgeInput>, record: TrialRecord, generation: Int, thresholds: AlignmentThresholds,
         objective: TrialObjective = .standard, analysis: @escaping @Sendable (ValidationMetrics) throws -> AlignmentMetrics = QualityActor.batchMetrics) {
        self.inbox = inbox
        self.judge = judge
        self.record = record
        self.generation = generation
        self.thresholds = thresholds
        self.objective = objective
        self.analysis = analysis
    }

    /// Receives until cancelled.
    func run() async throws {
        while let envelope = try await inbox.receive() {
            switch envelope.message {
            case .validation(let validation):
                try await judge.send(try judge(validation))
            case .endOfTraining:
                try await judge.send(.endOfTraining)
            }
        }
    }

    private func judge(_ reported: ValidationMetrics) throws -> JudgeInput {
        // Attention files a process trainer has not read already (an in-process trainer's) are
        // read here and left where they are.
        let validation = reported.resolvingAttentionFiles(deletingWithin: nil)
        record.recordValidationLosses(validation.losses, step: validation.step, generation: generation)
        let loss: Double
        switch objective.validationLoss(of: validation.losses) {
        case .success(let value): loss = value
        case .failure(let missing):
            return .invalidReport(ReportDataError(step: validation.step, sample: nil, kind: .shape, problem: missing.description))
        }
        if !seesAttention, validation.samples.isEmpty, validation.unreadable == nil {
            // A trainer that gives no attention: its own focus rate where it gives one, else the
            // loss is all there is to judge.
            guard let focus = validation.focusRate else { return .validationLoss(step: validation.step, loss: loss) }
            let report = record.assessQuality(step: validation.step, metrics: .focusRateOnly(focus), thresholds: thresholds)
            return .quality(report, validationLoss: loss)
        }
        do {
            try validation.checkReportData()
        } catch let problem {
            // NaN attention beside a non-finite loss is a model gone non-finite (a training
            // failure the judge classifies from the loss); otherwise it is the trainer's fault.
            guard problem.kind == .values, !loss.isFinite else { return .invalidReport(problem) }
            let report = record.assessQuality(step: validation.step, metrics: .nonFinite, thresholds: thresholds)
            return .quality(report, validationLoss: loss)
        }
        let report = record.assessQuality(step: validation.step, metrics: try analysis(validation), thresholds: thresholds)
        return .quality(report, validationLoss: loss)
    }

    /// The batch-mean alignment metrics of a validation's attention samples (DESIGN §5).
    @Sendable static func batchMetrics(of validation: ValidationMetrics) throws -> AlignmentMetrics {
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

extension AlignmentMetrics {
    /// The metrics of attention that is not finite: every figure NaN.
    static let nonFinite = AlignmentMetrics(focusRate: .nan, coverage: .nan, diagonality: .nan, backJumpRate: .nan, skipRate: .nan,
                                            missingTokens: .nan, entropy: .nan, drift: .nan)
}
