import Alignment
import Foundation
import Training

/// One thing that happened to a trial, in the order it happened: the record that tests
/// assert on, that alerts are made from, and that the study store will keep.
public enum TrialEvent: Sendable, Hashable, CustomStringConvertible {
    /// An incarnation started.
    case started(generation: Int, hyperparameters: [String: Double], resumedFrom: String?)
    /// A validation was judged: its alignment metrics and whether it counted as aligned, or
    /// `nil` for both when the trainer gives no attention (``Training/VisibleSignal/attention``).
    case quality(generation: Int, step: Int, metrics: AlignmentMetrics?, aligned: Bool?, objective: Double)
    /// What the trainer of an incarnation lets the tuner see, when that is not everything (an
    /// adapter of an unmodified training script): which criteria the judge applies.
    case visibility(generation: Int, TrainerVisibility)
    /// The trial aligned for the first time.
    case firstAlignment(generation: Int, step: Int)
    /// A checkpoint was written and judged: its own evaluation is known (or none will be), so
    /// whether it is good (``Checkpoint/good``) is settled.
    case checkpoint(Checkpoint)
    /// An incarnation failed.
    case failed(generation: Int, cause: FailureCause, evidence: Evidence)
    /// Smart restart: the next incarnation's changes, resume point and delay, and whether it
    /// continues in the same worker process (hot) or a new one (cold).
    case restarted(generation: Int, cause: FailureCause, changes: [ParameterChange], checkpoint: String?, backoff: Duration,
                   kind: RestartKind = .cold)
    /// The trainer said something worth keeping: a `log` line at level warning or above, or a
    /// protocol line it wrote that could not be read (level `warning`, from the tuner).
    case trainerMessage(generation: Int, level: String, message: String)
    /// The trial ended.
    case finished(TrialOutcome)

    public var description: String {
        switch self {
        case .started(let generation, _, let resumed):
            return "started g\(generation)" + (resumed.map { " from \(fileName($0))" } ?? " from scratch")
        case .quality(let generation, let step, let metrics, let aligned, _):
            guard let metrics else { return "validation g\(generation) step \(step) (no attention)" }
            return "quality g\(generation) step \(step): focus \(HumanNumber.text(metrics.focusRate))\(aligned == true ? " aligned" : "")"
        case .firstAlignment(let generation, let step): return "first alignment g\(generation) at step \(step)"
        case .checkpoint(let checkpoint): return "checkpoint g\(checkpoint.generation) step \(checkpoint.step)\(checkpoint.good ? "" : " (not good)")"
        case .failed(let generation, let cause, let evidence): return "failed g\(generation): \(cause.words): \(evidence.summary)"
        case .restarted(let generation, let cause, let changes, let checkpoint, _, let kind):
            return "restarted g\(generation) (\(kind.words)) after \(cause.words): "
                + (changes.isEmpty ? "no parameter changes" : changes.map(\.description).joined(separator: ", "))
                + (checkpoint.map { " from \(fileName($0))" } ?? " from scratch")
        case .trainerMessage(let generation, let level, let message): return "trainer g\(generation) \(level): \(message)"
        case .visibility(let generation, let visibility): return "trainer g\(generation) \(visibility)"
        case .finished(let outcome): return "finished: \(outcome)"
        }
    }

    /// The incarnation the event belongs to (for `restarted`, the one it starts); `nil` for
    /// the trial's end.
    public var generation: Int? {
        switch self {
        case .started(let generation, _, _), .quality(let generation, _, _, _, _), .firstAlignment(let generation, _),
             .failed(let generation, _, _), .restarted(let generation, _, _, _, _, _), .trainerMessage(let generation, _, _),
             .visibility(let generation, _):
            return generation
        case .checkpoint(let checkpoint):
            return checkpoint.generation
        case .finished:
            return nil
        }
    }

    /// A short name of the event's kind (for assertions on sequences).
    public var kind: String {
        switch self {
        case .started: return "started"
        case .quality: return "quality"
        case .firstAlignment: return "firstAlignment"
        case .checkpoint: return "checkpoint"
        case .failed(_, let cause, _): return "failed(\(cause.rawValue))"
        case .restarted(_, let cause, _, _, _, _): return "restarted(\(cause.rawValue))"
        case .trainerMessage(_, let level, _): return "trainer(\(level))"
        case .visibility: return "visibility"
        case .finished(let outcome): return "finished(\(outcome.kind))"
        }
    }
}

private func fileName(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }
