import DequeModule
import Synchronization

/// Thrown by a send to a queue (or mailbox) that has been closed.
public struct QueueClosedError: Error, Sendable, CustomStringConvertible {
    /// Creates the error.
    @inlinable public init() {}

    public var description: String { "the queue is closed; nothing more can be sent to it" }
}

/// A first-in, first-out queue of bounded capacity, for many senders and receivers.
///
/// A full queue suspends its senders until a receiver makes room: nothing is ever dropped.
/// A batched send or receive takes the lock once per batch, which is what makes high message
/// rates cheap. Each sender's elements keep their order. After ``close()`` no send succeeds,
/// and receivers drain what is left before they see the end.
public final class BoundedQueue<Element: Sendable>: Sendable {
    // Internals are `@usableFromInline` so that the hot paths below inline into (and are
    // specialised for) the caller's element type: unspecialised generic code costs several
    // hundred nanoseconds per element across a module boundary.
    @usableFromInline
    struct Waiter: Sendable {
        @usableFromInline let id: UInt64
        @usableFromInline let continuation: CheckedContinuation<Void, Never>

        @usableFromInline
        init(id: UInt64, continuation: CheckedContinuation<Void, Never>) {
            self.id = id
            self.continuation = continuation
        }
    }

    @usableFromInline
    struct State {
        @usableFromInline var buffer: Deque<Element> = []
        @usableFromInline var closed = false
        @usableFromInline var receivers: Deque<Waiter> = []
        @usableFromInline var senders: Deque<Waiter> = []
        @usableFromInline var nextID: UInt64 = 0

        @usableFromInline init() {}
    }

    @usableFromInline
    enum WaitKind: Sendable { case space, elements }

    /// The most elements the queue holds at once.
    public let capacity: Int
    @usableFromInline let state = Mutex(State())

    /// Creates an empty queue holding at most `capacity` elements (at least 1).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The number of elements waiting now.
    public var count: Int { state.withLock { $0.buffer.count } }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Appends `element`, suspending while the queue is full.
    /// - Throws: ``QueueClosedError`` if the queue is closed; `CancellationError` if the task
    ///   is cancelled while it waits for room (an element that fits is accepted even then).
    @inlinable
    public func send(_ element: Element) async throws {
        while true {
            let outcome = state.withLock { state -> (accepted: Bool, wake: Waiter?, closed: Bool) in
                if state.closed { return (false, nil, true) }
                guard state.buffer.count < capacity else { return (false, nil, false) }
                state.buffer.append(element)
                return (true, state.receivers.popFirst(), false)
            }
            if outcome.closed { throw QueueClosedError() }
            if outcome.accepted {
                outcome.wake?.continuation.resume()
                return
            }
            try await wait(for: .space)
        }
    }

    /// Appends every element of `elements` in order, suspending whenever the queue is full.
    /// - Throws: as ``send(_:)``; elements accepted before the error stay in the queue.
    @inlinable
    public func send<S: Sequence>(contentsOf elements: S) async throws where S.Element == Element {
        var pending = Array(elements)[...]
        while !pending.isEmpty {
            let outcome = state.withLock { state -> (wake: [Waiter], closed: Bool) in
                if state.closed { return ([], true) }
                let room = capacity - state.buffer.count
                guard room > 0 else { return ([], false) }
                let batch = pending.prefix(room)
                state.buffer.append(contentsOf: batch)
                pending = pending.dropFirst(batch.count)
                let wakeCount = min(state.receivers.count, batch.count)
                let wake = Array(state.receivers.prefix(wakeCount))
                state.receivers.removeFirst(wakeCount)
                return (wake, false)
            }
            if outcome.closed { throw QueueClosedError() }
            for waiter in outcome.wake { waiter.continuation.resume() }
            if !pending.isEmpty { try await wait(for: .space) }
        }
    }

    /// Removes and returns the oldest element, suspending while the queue is empty.
    /// - Returns: `nil` once the queue is closed and drained.
    /// - Throws: `CancellationError` if the task is cancelled while it waits.
    @inlinable
    public func receive() async throws -> Element? {
        try await receive(upTo: 1).first
    }

    /// Removes and returns up to `maxCount` of the oldest elements (at least one), suspending
    /// while the queue is empty.
    /// - Returns: an empty array once the queue is closed and drained.
    /// - Throws: `CancellationError` if the task is cancelled while it waits.
    @inlinable
    public func receive(upTo maxCount: Int) async throws -> [Element] {
        let limit = max(1, maxCount)
        while true {
            let outcome = state.withLock { state -> (batch: [Element], wake: [Waiter], done: Bool) in
                if !state.buffer.isEmpty {
                    let take = min(limit, state.buffer.count)
                    let batch = Array(state.buffer.prefix(take))
                    state.buffer.removeFirst(take)
                    let wakeCount = min(state.senders.count, take)
                    let wake = Array(state.senders.prefix(wakeCount))
                    state.senders.removeFirst(wakeCount)
                    return (batch, wake, false)
                }
                return ([], [], state.closed)
            }
            for waiter in outcome.wake { waiter.continuation.resume() }
            if !outcome.batch.isEmpty || outcome.done { return outcome.batch }
            try await wait(for: .elements)
        }
    }

    /// Closes the queue: sends fail from now on, waiting senders throw, receivers drain what
    /// is left and then see the end. Calling it again does nothing.
    public func close() {
        let waiters = state.withLock { state -> [Waiter] in
            guard !state.closed else { return [] }
            state.closed = true
            let all = Array(state.receivers) + Array(state.senders)
            state.receivers.removeAll()
            state.senders.removeAll()
            return all
        }
        for waiter in waiters { waiter.continuation.resume() }
    }

    /// Suspends until the condition may have changed (room, elements, close) or cancellation.
    @usableFromInline
    func wait(for kind: WaitKind) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || Task.isCancelled { return true }
                    switch kind {
                    case .space:
                        if state.buffer.count < capacity { return true }
                        state.senders.append(Waiter(id: id, continuation: continuation))
                    case .elements:
                        if !state.buffer.isEmpty { return true }
                        state.receivers.append(Waiter(id: id, continuation: continuation))
                    }
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                if let index = state.senders.firstIndex(where: { $0.id == id }) {
                    return state.senders.remove(at: index)
                }
                if let index = state.receivers.firstIndex(where: { $0.id == id }) {
                    return state.receivers.remove(at: index)
                }
                return nil
            }
            waiter?.continuation.resume()
        }
        if Task.isCancelled {
            // This task may have been woken to take room or elements it will now not use:
            // hand the wake-up on so that no other waiter is left asleep.
            let next = state.withLock { state -> Waiter? in
                kind == .space ? state.senders.popFirst() : state.receivers.popFirst()
            }
            next?.continuation.resume()
            throw CancellationError()
        }
    }
}
