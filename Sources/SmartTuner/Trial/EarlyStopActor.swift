import Alignment
import Supervision
import Training

/// Turns a trial generation's steps and quality reports into verdicts; tells the trainer of
/// every verdict but `continue` (then of the end of training, behind them), and records the
/// judged quality.
actor EarlyStopActor {
    private let inbox: Mailbox<JudgeInput>
    private let verdicts: MailboxSender<TrainerSignal>
    private let record: TrialRecord
    private let generation: Int
    private var judge: EarlyStopJudge
    private let pruneCheck: (@Sendable (Int, Double) async throws -> String?)?

    init(inbox: Mailbox<JudgeInput>, verdicts: MailboxSender<TrainerSignal>, record: TrialRecord, generation: Int,
         policy: EarlyStopPolicy, objective: TrialObjective, thresholds: AlignmentThresholds = AlignmentThresholds(), pruneCheck: (@Sendable (Int, Double) async throws -> String?)? = nil) {
        self.pruneCheck = pruneCheck
        self.inbox = inbox
        self.verdicts = verdicts
        self.record = record
        self.generation = generation
        self.judge = EarlyStopJudge(policy: policy, objective: objective, failedFocus: thresholds.failedFocus)
    }

    /// Receives until cancelled; steps arrive in batches when the trainer is fast.
    func run() async throws {
        var seeded = false
        while true {
            let batch = try await inbox.receive(upTo: 64)
            if batch.isEmpty { return }
            if !seeded {
                // The first input comes from this incarnation's trainer, which has cut the
                // trial's lineage back to its resume point by then.
                judge.seed(recentLosses: record.recentLosses(limit: judge.policy.divergenceWindow))
                seeded = true
            }
            for envelope in batch {
                let verdict: TrialVerdict
                switch envelope.message {
                case .step(let metrics):
                    verdict = judge.observe(step: metrics.step, loss: metrics.totalLoss, gradientNorm: metrics.gradNorm,
                                            objectiveLoss: try? judge.objective.validationLoss(of: metrics.losses).get())
                case .quality(let report, let validationLoss):
                    let judged = judge.observe(validationLoss: validationLoss, quality: report)
                    record.recordQuality(report, validationLoss: validationLoss, objective: judged.objective, generation: generation)
                    verdict = try await prune(judged.verdict, step: report.step, objective: judged.objective)
                    record.markJudged(step: report.step)
                case .validationLoss(let step, let validationLoss):
                    let judged = judge.observe(validationLoss: validationLoss, atStep: step)
                    record.recordValidation(step: step, validationLoss: validationLoss, objective: judged.objective, generation: generation)
                    verdict = try await prune(judged.verdict, step: step, objective: judged.objective)
                    record.markJudged(step: step)
                case .invalidReport(let problem):
                    verdict = .fail(.trainerFault, Evidence("the trainer reported invalid data: \(problem)",
                                                            values: ["step": Double(problem.step)].merging(problem.sample.map { ["sample": Double($0)] } ?? [:]) { $1 }))
                case .endOfTraining:
                    try await verdicts.send(.endOfTraining)
                    continue
                }
                if verdict != .continue { try await verdicts.send(.verdict(verdict)) }
            }
        }
    }

    /// A `continue` becomes `prune` when the study's pruner says so (it compares this
    /// validation's objective with the other trials' at the same step).
    private func prune(_ verdict: TrialVerdict, step: Int, objective: Double) async throws -> TrialVerdict {
        guard verdict == .continue, let pruneCheck else { return verdict }
        guard let reason = try await pruneCheck(step, objective) else { return .continue }
        try Task.checkCancellation()
        return .prune(Evidence(reason, values: ["step": Double(step), "objective": objective]))
    }
}
