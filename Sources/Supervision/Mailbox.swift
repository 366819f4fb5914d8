import Synchronization

/// A message stamped with the incarnation that sent it.
public struct Envelope<Message: Sendable>: Sendable {
    /// The sender's generation (see ``Incarnation/generation``).
    public let generation: Int
    /// The sender's running count of messages, from 0 within a generation.
    public let sequence: UInt64
    /// The message itself.
    public let message: Message

    /// Creates an envelope.
    @inlinable
    public init(generation: Int, sequence: UInt64, message: Message) {
        self.generation = generation
        self.sequence = sequence
        self.message = message
    }
}

/// A typed, bounded mailbox whose messages carry the sender's generation.
///
/// The receiver raises the mailbox's generation with ``advance(to:)`` when a new incarnation
/// of the sending side starts. From then on, messages of older generations are dropped and
/// counted — refused at the door if they arrive later, skipped at receipt if they were already
/// queued — and never delivered. Everything else is delivered in order; a full mailbox
/// suspends its senders (see ``BoundedQueue``).
public final class Mailbox<Message: Sendable>: Sendable {
    @usableFromInline
    struct Gate {
        @usableFromInline var generation: Int
        @usableFromInline var droppedStale = 0
        @usableFromInline var delivered = 0

        @usableFromInline init(generation: Int) { self.generation = generation }
    }

    @usableFromInline let queue: BoundedQueue<Envelope<Message>>
    @usableFromInline let gate: Mutex<Gate>

    /// Creates an empty mailbox holding at most `capacity` messages, accepting `generation`
    /// and later.
    public init(capacity: Int, generation: Int = 0) {
        self.queue = BoundedQueue(capacity: capacity)
        self.gate = Mutex(Gate(generation: generation))
    }

    /// The oldest generation still delivered.
    public var generation: Int { gate.withLock { $0.generation } }

    /// How many stale messages have been dropped so far.
    public var droppedStaleCount: Int { gate.withLock { $0.droppedStale } }

    /// How many messages have been delivered so far.
    public var deliveredCount: Int { gate.withLock { $0.delivered } }

    /// The number of messages queued now (stale ones included until they are skipped).
    public var count: Int { queue.count }

    /// The capacity given at creation.
    public var capacity: Int { queue.capacity }

    /// Stops delivering messages of generations older than `generation`. Never lowers it.
    public func advance(to generation: Int) {
        gate.withLock { $0.generation = max($0.generation, generation) }
    }

    /// Sends one envelope, suspending while the mailbox is full.
    /// - Returns: `false` if the envelope was stale and dropped.
    /// - Throws: ``QueueClosedError`` after ``close()``; `CancellationError` if cancelled
    ///   while waiting for room.
    @inlinable @discardableResult
    public func send(_ envelope: Envelope<Message>) async throws -> Bool {
        let admitted = gate.withLock { gate in
            guard envelope.generation >= gate.generation else {
                gate.droppedStale += 1
                return false
            }
            return true
        }
        guard admitted else { return false }
        try await queue.send(envelope)
        return true
    }

    /// Sends envelopes of one generation as a batch, suspending whenever the mailbox is full.
    /// - Returns: how many were accepted (0 if the generation is stale).
    @inlinable @discardableResult
    public func send(contentsOf envelopes: [Envelope<Message>]) async throws -> Int {
        let fresh = gate.withLock { gate -> [Envelope<Message>] in
            // Envelopes of one batch usually share a generation: check the cheap case first.
            if envelopes.allSatisfy({ $0.generation >= gate.generation }) { return envelopes }
            let kept = envelopes.filter { $0.generation >= gate.generation }
            gate.droppedStale += envelopes.count - kept.count
            return kept
        }
        try await queue.send(contentsOf: fresh)
        return fresh.count
    }

    /// Receives the next message of a current generation.
    /// - Returns: `nil` once the mailbox is closed and drained.
    @inlinable
    public func receive() async throws -> Envelope<Message>? {
        try await receive(upTo: 1).first
    }

    /// Receives up to `maxCount` messages of current generations (at least one).
    /// - Returns: an empty array once the mailbox is closed and drained.
    @inlinable
    public func receive(upTo maxCount: Int) async throws -> [Envelope<Message>] {
        while true {
            let batch = try await queue.receive(upTo: maxCount)
            if batch.isEmpty { return [] }
            let fresh = gate.withLock { gate -> [Envelope<Message>] in
                if batch.allSatisfy({ $0.generation >= gate.generation }) {
                    gate.delivered += batch.count
                    return batch
                }
                let kept = batch.filter { $0.generation >= gate.generation }
                gate.droppedStale += batch.count - kept.count
                gate.delivered += kept.count
                return kept
            }
            if !fresh.isEmpty { return fresh }
        }
    }

    /// Closes the mailbox: further sends fail; receivers drain what is queued.
    public func close() { queue.close() }

    /// A sender that stamps messages with `generation` and a running sequence number.
    public func sender(generation: Int) -> MailboxSender<Message> {
        MailboxSender(mailbox: self, generation: generation)
    }
}

/// Sends to a ``Mailbox`` on behalf of one incarnation, numbering its messages.
public final class MailboxSender<Message: Sendable>: Sendable {
    /// The mailbox sent to.
    public let mailbox: Mailbox<Message>
    /// The generation stamped on every message.
    public let generation: Int
    @usableFromInline let sequence = Mutex<UInt64>(0)

    init(mailbox: Mailbox<Message>, generation: Int) {
        self.mailbox = mailbox
        self.generation = generation
    }

    /// Sends one message. Returns `false` if this sender's generation is stale.
    @inlinable @discardableResult
    public func send(_ message: Message) async throws -> Bool {
        let number = sequence.withLock { value -> UInt64 in
            defer { value += 1 }
            return value
        }
        return try await mailbox.send(Envelope(generation: generation, sequence: number, message: message))
    }

    /// Sends messages as one batch. Returns how many were accepted.
    @inlinable @discardableResult
    public func send(contentsOf messages: [Message]) async throws -> Int {
        let first = sequence.withLock { value -> UInt64 in
            defer { value += UInt64(messages.count) }
            return value
        }
        let envelopes = messages.enumerated().map {
            Envelope(generation: generation, sequence: first + UInt64($0.offset), message: $0.element)
        }
        return try await mailbox.send(contentsOf: envelopes)
    }
}
