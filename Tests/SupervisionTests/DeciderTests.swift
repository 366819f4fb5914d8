import Synchronization
import Testing

@testable import Supervision

@Suite("Restart deciders")
struct DeciderTests {
    @Test("the decider's input reaches the next incarnation, and it sees the history")
    func adjustedInput() async throws {
        let script = ScriptedChildren()
        let seen = HistoryLog()
        let spec = script.spec("trial", input: 8) { context in
            seen.append(context.history.count, proposed: context.proposedDelay)
            return .restart(input: context.input / 2, after: context.proposedDelay)
        }
        let supervisor = Supervisor(name: "decider", options: testOptions(), children: [AnyChildSpec(spec)])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        for generation in 0..<3 {
            await recorder.wait(for: generation == 0 ? "start trial#0" : "restart trial#\(generation)")
            script.exit("trial", generation: generation, as: .thrown)
        }
        await recorder.wait(for: "restart trial#3")
        supervisor.shutdown()
        try await running.value
        let inputs = script.inputs
        #expect((0...3).map { inputs[IncarnationKey(id: "trial", generation: $0)] } == [8, 4, 2, 1])
        #expect(seen.counts == [0, 1, 2])
        #expect(seen.proposed == [.zero, .zero, .zero])
    }

    @Test("a decider's own delay replaces the proposed one")
    func ownDelay() async throws {
        let clock = ManualClock()
        let script = ScriptedChildren()
        let spec = script.spec("trial", input: 1) { .restart(input: $0.input + 1, after: .seconds(3)) }
        let supervisor = Supervisor(name: "decider", options: testOptions(clock: clock), children: [AnyChildSpec(spec)])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start trial#0")
        script.exit("trial", generation: 0, as: .thrown)
        await clock.waitForSleepers(1)
        #expect(clock.pendingDeadlines == [clock.now.advanced(by: .seconds(3))])
        clock.advance(by: .seconds(3))
        await recorder.wait(for: "restart trial#1")
        supervisor.shutdown()
        try await running.value
    }

    @Test("stop ends the child for good; a significant one ends the supervisor")
    func stop() async throws {
        let script = ScriptedChildren()
        var spec = script.spec("trial", input: 1) { _ in .stop }
        spec.significant = true
        let other = script.spec("other")
        let supervisor = Supervisor(name: "decider", options: testOptions(autoShutdown: .anySignificant),
                                    children: [AnyChildSpec(spec), other])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start other#0")
        script.exit("trial", generation: 0, as: .thrown)
        try await running.value
        #expect(recorder.lines == ["start trial#0", "start other#0", "fail trial#0", "stop other#0 shutdown"])
    }

    @Test("escalate fails the supervisor with the decider as trigger")
    func escalate() async throws {
        let script = ScriptedChildren()
        let spec = script.spec("trial", input: 1) { _ in .escalate }
        let supervisor = Supervisor(name: "decider", options: testOptions(), children: [AnyChildSpec(spec)])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start trial#0")
        script.exit("trial", generation: 0, as: .thrown)
        let error = await #expect(throws: SupervisorEscalation.self) { try await running.value }
        #expect(error?.trigger == .decider)
        #expect(recorder.lines.last == "escalate trial")
    }
}

/// What a decider saw, call by call.
final class HistoryLog: Sendable {
    private let storage = Mutex<([Int], [Duration])>(([], []))
    func append(_ count: Int, proposed: Duration) { storage.withLock { $0.0.append(count); $0.1.append(proposed) } }
    var counts: [Int] { storage.withLock { $0.0 } }
    var proposed: [Duration] { storage.withLock { $0.1 } }
}

