import Supervision
import Training

/// Turns a trial generation's steps and quality reports into verdicts; tells the trainer of
/// every verdict but `continue`, and records the judged quality.
actor EarlyStopActor {
    private let inbox: Mailbox<JudgeInput>
    private let verdicts: MailboxSender<TrainerSignal>
    private let record: TrialRecord
    private let generation: Int
    private var judge: EarlyStopJudge

    init(inbox: Mailbox<JudgeInput>, verdicts: MailboxSender<TrainerSignal>, record: TrialRecord, generation: Int,
         policy: EarlyStopPolicy, objective: TrialObjective) {
        self.inbox = inbox
        self.verdicts = verdicts
        self.record = record
        self.generation = generation
        self.judge = EarlyStopJudge(policy: policy, objective: objective)
    }

    /// Receives until cancelled; steps arrive in batches when the trainer is fast.
    func run() async throws {
        while true {
            let batch = try await inbox.receive(upTo: 64)
            if batch.isEmpty { return }
            for envelope in batch {
                let verdict: TrialVerdict
                switch envelope.message {
                case .step(let metrics):
                    verdict = judge.observe(step: metrics.step, loss: metrics.totalLoss, gradientNorm: metrics.gradNorm)
                case .quality(let report, let validationLoss):
                    let judged = judge.observe(validationLoss: validationLoss, quality: report)
                    record.recordQuality(report, validationLoss: validationLoss, objective: judged.objective, generation: generation)
                    verdict = judged.verdict
                }
                if verdict != .continue { try await verdicts.send(.verdict(verdict)) }
            }
        }
    }
}
