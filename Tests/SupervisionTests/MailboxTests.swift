import Synchronization
import Testing

@testable import Supervision

@Suite("Bounded queues and mailboxes")
struct MailboxTests {
    @Test("a full queue suspends the sender, and everything arrives in order")
    func backpressure() async throws {
        let queue = BoundedQueue<Int>(capacity: 4)
        let sent = Counter()
        let producer = Task {
            for value in 0..<100 {
                try await queue.send(value)
                sent.increment()
            }
        }
        while sent.value < 4 { await Task.yield() }
        for _ in 0..<1_000 { await Task.yield() }
        #expect(sent.value == 4, "the producer must be held up by the full queue")
        #expect(queue.count == 4)
        var received: [Int] = []
        while received.count < 100, let value = try await queue.receive() { received.append(value) }
        try await producer.value
        #expect(received == Array(0..<100))
    }

    @Test("batched sends and receives keep order through a small queue")
    func batched() async throws {
        let queue = BoundedQueue<Int>(capacity: 64)
        let producer = Task {
            for start in stride(from: 0, to: 10_000, by: 256) {
                try await queue.send(contentsOf: start..<min(start + 256, 10_000))
            }
            queue.close()
        }
        var received: [Int] = []
        while true {
            let batch = try await queue.receive(upTo: 100)
            if batch.isEmpty { break }
            #expect(batch.count <= 64)
            received += batch
        }
        try await producer.value
        #expect(received == Array(0..<10_000))
    }

    @Test("many producers: nothing lost, each producer's order kept")
    func manyProducers() async throws {
        let queue = BoundedQueue<(producer: Int, value: Int)>(capacity: 8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask { for value in 0..<1_000 { try await queue.send((producer, value)) } }
            }
            var next = [0, 0, 0, 0]
            for _ in 0..<4_000 {
                guard let item = try await queue.receive() else { break }
                #expect(item.value == next[item.producer])
                next[item.producer] += 1
            }
            #expect(next == [1_000, 1_000, 1_000, 1_000])
            try await group.waitForAll()
        }
    }

    @Test("close: receivers drain then end; senders, waiting or new, are refused")
    func close() async throws {
        let queue = BoundedQueue<Int>(capacity: 2)
        try await queue.send(1)
        try await queue.send(2)
        let blocked = Task { try await queue.send(3) }
        while queue.count < 2 { await Task.yield() }
        for _ in 0..<100 { await Task.yield() }
        queue.close()
        await #expect(throws: QueueClosedError.self) { try await blocked.value }
        await #expect(throws: QueueClosedError.self) { try await queue.send(4) }
        #expect(try await queue.receive() == 1)
        #expect(try await queue.receive() == 2)
        #expect(try await queue.receive() == nil)
    }

    @Test("a cancelled waiting sender throws and leaves the queue as it was")
    func cancelledSender() async throws {
        let queue = BoundedQueue<Int>(capacity: 1)
        try await queue.send(1)
        let blocked = Task { try await queue.send(2) }
        for _ in 0..<100 { await Task.yield() }
        blocked.cancel()
        await #expect(throws: CancellationError.self) { try await blocked.value }
        #expect(queue.count == 1)
        #expect(try await queue.receive() == 1)
    }

    @Test("stale generations are dropped and counted, never delivered")
    func staleGenerations() async throws {
        let mailbox = Mailbox<String>(capacity: 16)
        let old = mailbox.sender(generation: 0)
        try await old.send("old-1")
        try await old.send(contentsOf: ["old-2", "old-3"])
        mailbox.advance(to: 1)
        let late = try await old.send("old-late")
        #expect(late == false)
        let new = mailbox.sender(generation: 1)
        try await new.send(contentsOf: ["new-1", "new-2"])
        mailbox.close()
        var delivered: [Envelope<String>] = []
        while let envelope = try await mailbox.receive() { delivered.append(envelope) }
        #expect(delivered.map(\.message) == ["new-1", "new-2"])
        #expect(delivered.map(\.sequence) == [0, 1])
        #expect(delivered.allSatisfy { $0.generation == 1 })
        #expect(mailbox.droppedStaleCount == 4)
        #expect(mailbox.deliveredCount == 2)
        mailbox.advance(to: 0)
        #expect(mailbox.generation == 1, "a generation never goes back")
    }

    @Test("a restarted child's late messages never reach the receiver of the new generation")
    func staleAcrossRestart() async throws {
        let mailbox = Mailbox<Int>(capacity: 64)
        let oldSenders = Mutex<[MailboxSender<Int>]>([])
        let script = ScriptedChildren()
        let spec = ChildSpec<Void>(id: "trainer") { incarnation in
            mailbox.advance(to: incarnation.generation)
            let sender = mailbox.sender(generation: incarnation.generation)
            oldSenders.withLock { $0.append(sender) }
            try await sender.send(incarnation.generation * 100)
            try await script.body(id: "trainer", generation: incarnation.generation, shutdown: incarnation.shutdown)
        }
        let supervisor = Supervisor(name: "stale", options: testOptions(), children: [AnyChildSpec(spec)])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start trainer#0")
        script.exit("trainer", generation: 0, as: .thrown)
        await recorder.wait(for: "restart trainer#1")
        // The dead incarnation 0 still holds its sender and sends late.
        let late = try await oldSenders.withLock { $0[0] }.send(7)
        #expect(late == false)
        supervisor.shutdown()
        try await running.value
        mailbox.close()
        var delivered: [Int] = []
        while let envelope = try await mailbox.receive() { delivered.append(envelope.message) }
        #expect(delivered == [100], "generation 0's queued message is skipped, its late one refused")
        #expect(mailbox.droppedStaleCount == 2)
    }
}
