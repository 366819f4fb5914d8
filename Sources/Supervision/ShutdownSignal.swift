import Synchronization

/// A one-shot request to stop gracefully, given to each incarnation of a child.
///
/// A child with ``ShutdownMode/graceful(timeout:)`` should watch it (poll ``isRequested``,
/// `await` ``wait()``, or register ``onRequest(_:)``) and return soon after it fires; past the
/// timeout its supervisor cancels it.
public final class ShutdownSignal: Sendable {
    private struct State {
        var requested = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var handlers: [@Sendable () -> Void] = []
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates a signal that has not fired.
    public init() {}

    /// Whether a graceful stop has been requested.
    public var isRequested: Bool { state.withLock { $0.requested } }

    /// Fires the signal: wakes every waiter and runs every handler once. Later calls do nothing.
    public func request() {
        let (waiters, handlers) = state.withLock { state -> ([CheckedContinuation<Void, Never>], [@Sendable () -> Void]) in
            guard !state.requested else { return ([], []) }
            state.requested = true
            let waiters = Array(state.waiters.values)
            let handlers = state.handlers
            state.waiters.removeAll()
            state.handlers.removeAll()
            return (waiters, handlers)
        }
        for waiter in waiters { waiter.resume() }
        for handler in handlers { handler() }
    }

    /// Runs `handler` when the signal fires (at once, if it already has).
    public func onRequest(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.requested { return true }
            state.handlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    /// Suspends until the signal fires or the calling task is cancelled.
    public func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.requested || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
