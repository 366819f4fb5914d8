import Logging
import ServiceLifecycle
import Testing

@testable import Supervision

@Suite("Supervisor lifecycle")
struct LifecycleTests {
    @Test("dynamic children start, list, stop; bad commands get clear errors")
    func dynamicChildren() async throws {
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "trials", options: testOptions())
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }

        try await supervisor.startChild(ChildSpec<Void>(id: "trial-1") { try await script.body(id: "trial-1", generation: $0.generation, shutdown: $0.shutdown) })
        try await supervisor.startChild(ChildSpec<Void>(id: "trial-2") { try await script.body(id: "trial-2", generation: $0.generation, shutdown: $0.shutdown) })
        await #expect(throws: SupervisorError.duplicateChild("trial-1", supervisor: "trials")) {
            try await supervisor.startChild(ChildSpec<Void>(id: "trial-1") { _ in })
        }
        #expect(try await supervisor.children().map(\.id) == ["trial-1", "trial-2"])
        try await supervisor.stopChild("trial-1")
        await #expect(throws: SupervisorError.noSuchChild("nope", supervisor: "trials")) {
            try await supervisor.stopChild("nope")
        }
        #expect(try await supervisor.children() == [ChildInfo(id: "trial-2", generation: 0, state: .running)])
        supervisor.shutdown()
        try await running.value

        #expect(recorder.lines == ["start trial-1#0", "start trial-2#0", "stop trial-1#0 requested", "stop trial-2#0 shutdown"])
        await #expect(throws: SupervisorError.notRunning(supervisor: "trials")) {
            try await supervisor.startChild(ChildSpec<Void>(id: "late") { _ in })
        }
        await #expect(throws: SupervisorError.alreadyRun(supervisor: "trials")) { try await supervisor.run() }
    }

    @Test("duplicate initial ids are refused before anything starts")
    func duplicateInitialChildren() async throws {
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "dup", options: testOptions(), children: [script.spec("A"), script.spec("A")])
        await #expect(throws: SupervisorError.duplicateChild("A", supervisor: "dup")) { try await supervisor.run() }
        #expect(script.ends.isEmpty)
    }

    @Test("auto-shutdown: any significant child ending for good ends the supervisor")
    func anySignificant() async throws {
        let script = ScriptedChildren()
        let supervisor = Supervisor(
            name: "trial", options: testOptions(autoShutdown: .anySignificant),
            children: [script.spec("quality"), script.spec("trainer", restart: .transient, significant: true)])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start trainer#0")
        script.exit("trainer", generation: 0, as: .thrown)  // transient: restarted
        await recorder.wait(for: "restart trainer#1")
        script.exit("trainer", generation: 1, as: .normal)  // completed: ends for good
        try await running.value
        #expect(recorder.lines.suffix(2) == ["stop trainer#1 completed", "stop quality#0 shutdown"])
    }

    @Test("auto-shutdown: all significant children must end")
    func allSignificant() async throws {
        let script = ScriptedChildren()
        let supervisor = Supervisor(
            name: "pair", options: testOptions(autoShutdown: .allSignificant),
            children: [script.spec("A", restart: .temporary, significant: true),
                       script.spec("B", restart: .temporary, significant: true), script.spec("C")])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start C#0")
        script.exit("A", generation: 0, as: .thrown)
        await recorder.wait(for: "fail A#0")
        #expect(try await supervisor.children().map(\.id) == ["B", "C"])
        script.exit("B", generation: 0, as: .normal)
        try await running.value
        #expect(recorder.lines.last == "stop C#0 shutdown")
    }

    @Test("a child that ignores a graceful stop is cancelled exactly at its timeout")
    func gracefulTimeout() async throws {
        let clock = ManualClock()
        let script = ScriptedChildren(honoursGracefulStop: false)
        let supervisor = Supervisor(name: "slow", options: testOptions(clock: clock),
                                    children: [script.spec("A", shutdown: .graceful(timeout: .seconds(2)))])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start A#0")
        supervisor.shutdown()
        await clock.waitForSleepers(1)
        #expect(clock.pendingDeadlines == [clock.now.advanced(by: .seconds(2))])
        #expect(script.ends.isEmpty, "still running inside its grace period")
        clock.advance(by: .seconds(2))
        try await running.value
        #expect(script.ends[IncarnationKey(id: "A", generation: 0)] == .killed)
    }

    @Test("cancelling the supervisor's task cancels every child and ends the events")
    func cancellation() async throws {
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "cancel", options: testOptions(),
                                    children: [script.spec("A"), script.spec("B")])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start B#0")
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
        await recorder.finished()
        #expect(recorder.lines.suffix(2) == ["stop B#0 shutdown", "stop A#0 shutdown"])
        #expect(script.ends[IncarnationKey(id: "A", generation: 0)] == .killed)
        #expect(script.ends[IncarnationKey(id: "B", generation: 0)] == .killed)
    }

    @Test("as a Service, graceful shutdown of the group stops children gracefully")
    func serviceGroup() async throws {
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "root", options: testOptions(), children: [script.spec("A"), script.spec("B")])
        let recorder = EventRecorder(supervisor)
        let group = ServiceGroup(services: [supervisor] as [any Service], gracefulShutdownSignals: [], logger: .quiet)
        let running = Task { try await group.run() }
        await recorder.wait(for: "start B#0")
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(recorder.lines.suffix(2) == ["stop B#0 shutdown", "stop A#0 shutdown"])
        #expect(script.ends[IncarnationKey(id: "A", generation: 0)] == .graceful)
    }

    @Test("an event stream released by its subscriber does not hold the supervisor up")
    func releasedSubscriber() async throws {
        let script = ScriptedChildren()
        let options = SupervisorOptions(intensity: RestartIntensity(maxRestarts: 100, within: .seconds(60)),
                                        time: TimeSource(ManualClock()), eventBufferCapacity: 1, logger: .quiet)
        let supervisor = Supervisor(name: "slow-reader", options: options, children: [script.spec("A")])
        do {
            let abandoned = supervisor.events()
            _ = abandoned
        }
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        for generation in 0..<5 {
            await recorder.wait(for: generation == 0 ? "start A#0" : "restart A#\(generation)")
            script.exit("A", generation: generation, as: .thrown)
        }
        await recorder.wait(for: "restart A#5")
        supervisor.shutdown()
        try await running.value
        checkExactlyOnce(recorder.events)
    }
}
