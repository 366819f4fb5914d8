import Alignment
import Training

/// What the quality analysis of a trial receives from the trainer.
enum QualityInput: Sendable {
    /// One validation.
    case validation(ValidationMetrics)
    /// The trainer returned; passed on to the judge behind every earlier validation.
    case endOfTraining
}

/// What the early-stop judge of a trial receives: training steps from the trainer, quality
/// reports from the quality analysis.
public enum JudgeInput: Sendable {
    /// One training step.
    case step(StepMetrics)
    /// One validation's quality, with its validation loss.
    case quality(QualityReport, validationLoss: Double)
    /// One validation of a trainer that gives no attention: its step and validation loss.
    case validationLoss(step: Int, loss: Double)
    /// A validation whose data cannot be judged: the trainer's fault (``FailureCause/trainerFault``).
    case invalidReport(ReportDataError)
    /// The trainer returned. It comes through the quality analysis, so every step and
    /// validation the trainer sent is ahead of it; the judge passes it back to the trainer
    /// behind every verdict on them.
    case endOfTraining
}

/// What a trial's trainer is told while it runs.
public enum TrainerSignal: Sendable {
    /// The early-stop judge's verdict (only non-`continue` verdicts are sent).
    case verdict(TrialVerdict)
    /// The memory watchdog found the incarnation over its budget.
    case overBudget(Evidence)
    /// Every step and validation of the incarnation has been judged, and every verdict on them
    /// sent ahead of this: the incarnation may end as finished.
    case endOfTraining
}

/// A failure of a trial incarnation, with its cause and evidence: what the trainer child
/// throws, and what smart restart decides on.
public struct TrialFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The cause (DESIGN §4).
    public let cause: FailureCause
    /// What showed it.
    public let evidence: Evidence
    /// Whether restarting can help (a request the trainer refuses will fail again).
    public let restartable: Bool

    /// Creates a failure.
    public init(_ cause: FailureCause, _ evidence: Evidence, restartable: Bool = true) {
        self.cause = cause
        self.evidence = evidence
        self.restartable = restartable && cause.restartable
    }

    public var description: String { "\(cause.rawValue): \(evidence.summary)" }

    /// Classifies anything a trainer threw (DESIGN §4's "detected by" column).
    public static func classify(_ error: any Error) -> TrialFailure {
        if let failure = error as? TrialFailure { return failure }
        guard let trainer = error as? TrainerFailure else {
            return TrialFailure(.crash, Evidence("thrown error: \(error)"))
        }
        switch trainer {
        case .hang(let silence, let step):
            return TrialFailure(.hang, Evidence(trainer.description, values: ["silent_seconds": silence, "step": Double(step)]))
        case .outOfMemory:
            return TrialFailure(.outOfMemory, Evidence(trainer.description))
        case .signaled(let signal, _) where signal == 9:
            // SIGKILL that SmartTuner did not send: the kernel's OOM killer.
            return TrialFailure(.outOfMemory, Evidence("killed by SIGKILL (the kernel's OOM killer): \(trainer.description)",
                                                       values: ["signal": 9]))
        case .signaled(let signal, _):
            return TrialFailure(.crash, Evidence(trainer.description, values: ["signal": Double(signal)]))
        case .exited(let code, _):
            return TrialFailure(.crash, Evidence(trainer.description, values: ["exit_status": Double(code)]))
        case .invalidRequest, .launchFailed:
            return TrialFailure(.crash, Evidence(trainer.description), restartable: false)
        case .injectedCrash, .endedEarly:
            return TrialFailure(.crash, Evidence(trainer.description))
        }
    }
}
