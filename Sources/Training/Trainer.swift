import Foundation
import Synchronization

/// Runs one incarnation of a trial: the trainer contract (DESIGN §3).
///
/// `train` emits events through `emit`, which it awaits — a slow consumer slows the trainer,
/// nothing is dropped — and returns when the step budget is done. It throws
/// ``TrainerFailure`` (or any error) when the incarnation fails, and honours cancellation
/// within one step.
public protocol Trainer: Sendable {
    /// Runs `request` to its step budget.
    func train(_ request: TrainRequest, control: TrainerControl,
               emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws

    /// What the trainer lets the tuner see; the judge applies only the criteria it has data
    /// for. A trainer that speaks the worker protocol sees everything (``TrainerVisibility/full``).
    var visibility: TrainerVisibility { get }
}

extension Trainer {
    /// Everything: a trainer that speaks the worker protocol can report it all.
    public var visibility: TrainerVisibility { .full }
}

/// Requests a supervisor can make of a running trainer (in a child process they travel on
/// stdin as `{"command": "stop"}` and `{"command": "checkpoint"}`).
public final class TrainerControl: Sendable {
    private let state = Mutex((stop: false, checkpoint: false))

    /// Creates a control with nothing requested.
    public init() {}

    /// Asks the trainer to checkpoint and finish early.
    public func requestStop() { state.withLock { $0.stop = true } }

    /// Asks the trainer to write a checkpoint at the next step.
    public func requestCheckpoint() { state.withLock { $0.checkpoint = true } }

    /// Whether a stop was requested.
    public var stopRequested: Bool { state.withLock { $0.stop } }

    /// Whether a checkpoint was requested; clears the request.
    public func takeCheckpointRequest() -> Bool {
        state.withLock { state in
            defer { state.checkpoint = false }
            return state.checkpoint
        }
    }
}

/// How a trainer incarnation failed, as the trainer or its process saw it.
public enum TrainerFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// An injected `crash` fault.
    case injectedCrash(step: Int)
    /// The process exited with a non-zero status.
    case exited(code: Int32, stderr: String)
    /// The process was killed by a signal (SIGKILL without our asking usually means the OOM killer).
    case signaled(signal: Int32, stderr: String)
    /// No event within the heartbeat timeout; the process was terminated.
    case hang(silentFor: Double, lastStep: Int)
    /// The memory budget was exceeded or an allocation failed.
    case outOfMemory(detail: String)
    /// The process ended without finishing its budget or saying why.
    case endedEarly(lastStep: Int)
    /// The request cannot be run by this trainer.
    case invalidRequest(String)
    /// The process could not be started.
    case launchFailed(String)

    public var description: String {
        switch self {
        case .injectedCrash(let step): return "injected crash at step \(step)"
        case .exited(let code, let stderr): return "exited with status \(code)" + Self.tail(stderr)
        case .signaled(let signal, let stderr): return "killed by signal \(signal)" + Self.tail(stderr)
        case .hang(let silence, let step): return "no heartbeat for \(silence) s after step \(step)"
        case .outOfMemory(let detail): return "out of memory: \(detail)"
        case .endedEarly(let step): return "ended at step \(step) before its budget"
        case .invalidRequest(let reason): return "invalid request: \(reason)"
        case .launchFailed(let reason): return "could not start the trainer: \(reason)"
        }
    }

    /// The last few meaningful stderr lines (backtrace frames and addresses left out).
    private static func tail(_ text: String) -> String {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { line in
            !line.isEmpty && !line.hasPrefix("0x") && !line.hasPrefix("at /") && !line.contains("Backtrace took")
                && line.first.map { !$0.isNumber } ?? false
        }.suffix(3)
        let joined = lines.joined(separator: " | ")
        return lines.isEmpty ? "" : "; stderr: " + String(joined.prefix(300))
    }
}

/// A trainer whose worker can carry on with its trial's next incarnation in place: a hot
/// restart (protocol 2). The trial's supervisor keeps one such trainer for all incarnations,
/// tells it before each restart how the next incarnation starts, and ends its worker when the
/// trial ends.
public protocol InPlaceRestartableTrainer: Trainer {
    /// Whether the next incarnation can run in the live worker.
    var canRestartInPlace: Bool { get }
    /// How the next incarnation starts: in the live worker, or in a fresh one (the live worker
    /// is ended first).
    func prepareNextIncarnation(inPlace: Bool)
    /// Ends the live worker, if any, and waits until it is gone.
    func endWorker() async
}
