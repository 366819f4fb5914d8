import Synchronization

/// Fans events out to subscribers, each with its own bounded buffer.
///
/// Publishing waits for a subscriber whose buffer is full instead of dropping: an event
/// stream never loses an event. A subscriber that stops reading must let go of its
/// ``EventStream`` (which unsubscribes it), or it holds the publisher up.
final class EventBroadcast<Event: Sendable>: Sendable {
    private struct State {
        var subscribers: [UInt64: BoundedQueue<Event>] = [:]
        var nextID: UInt64 = 0
        var finished = false
    }

    private let state = Mutex(State())

    /// Adds a subscriber with a buffer of `capacity` events. After ``finish()`` the stream is
    /// empty.
    func subscribe(capacity: Int) -> EventStream<Event> {
        let queue = BoundedQueue<Event>(capacity: capacity)
        let id = state.withLock { state -> UInt64? in
            if state.finished { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = queue
            return state.nextID
        }
        guard let id else {
            queue.close()
            return EventStream(queue: queue) {}
        }
        return EventStream(queue: queue) { [weak self] in
            self?.unsubscribe(id)
        }
    }

    /// Delivers `event` to every subscriber, waiting for room where a buffer is full.
    func publish(_ event: Event) async {
        let queues = state.withLock { Array($0.subscribers.values) }
        for queue in queues {
            // A closed queue is a subscriber that left; cancellation while waiting for room
            // is the publisher being torn down. Neither is an error for the other subscribers.
            try? await queue.send(event)
        }
    }

    /// Ends every stream after the events already delivered; later subscribers get nothing.
    func finish() {
        let queues = state.withLock { state -> [BoundedQueue<Event>] in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for queue in queues { queue.close() }
    }

    private func unsubscribe(_ id: UInt64) {
        let queue = state.withLock { $0.subscribers.removeValue(forKey: id) }
        queue?.close()
    }
}

/// A subscription to a supervisor's lifecycle events, in the order they happened.
///
/// Iterate it with `for await`. It ends when its supervisor has finished. Releasing it
/// unsubscribes.
public final class EventStream<Event: Sendable>: AsyncSequence, Sendable {
    public typealias Element = Event

    private let queue: BoundedQueue<Event>
    private let onRelease: @Sendable () -> Void

    init(queue: BoundedQueue<Event>, onRelease: @escaping @Sendable () -> Void) {
        self.queue = queue
        self.onRelease = onRelease
    }

    deinit { onRelease() }

    /// Iterates the events; `next()` returns `nil` at the end or when the task is cancelled.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: EventStream<Event>

        public mutating func next() async -> Event? {
            do { return try await stream.queue.receive() } catch { return nil }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
