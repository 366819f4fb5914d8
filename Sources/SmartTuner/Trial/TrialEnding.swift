import Synchronization

/// The one-shot result of a trial run under the root: resolved once, by whichever way the
/// trial's child ends first (its supervisor's return value, its error, or a failure to start),
/// and awaited by the caller of ``TuningSupervisor/runTrial(_:takenOver:onEvent:onStep:)``.
final class TrialEnding: Sendable {
    private enum State {
        case pending(CheckedContinuation<TrialOutcome, any Error>?)
        case resolved(Result<TrialOutcome, any Error>)
    }

    private let state = Mutex(State.pending(nil))

    /// Resolves the ending; later calls do nothing.
    func resolve(_ result: Result<TrialOutcome, any Error>) {
        let waiting = state.withLock { state -> CheckedContinuation<TrialOutcome, any Error>? in
            guard case .pending(let continuation) = state else { return nil }
            state = .resolved(result)
            return continuation
        }
        waiting?.resume(with: result)
    }

    /// The trial's outcome, once resolved.
    var outcome: TrialOutcome {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let done = state.withLock { state -> Result<TrialOutcome, any Error>? in
                    switch state {
                    case .resolved(let result): return result
                    case .pending: state = .pending(continuation); return nil
                    }
                }
                if let done { continuation.resume(with: done) }
            }
        }
    }
}
