import Testing

@testable import Supervision

@Suite("Restart intensity and escalation")
struct EscalationTests {
    @Test("exceeding the intensity stops children in reverse order, escalates, and restarts nothing more")
    func intensityExceeded() async throws {
        let clock = ManualClock()
        let script = ScriptedChildren()
        let supervisor = Supervisor(
            name: "root",
            options: testOptions(intensity: RestartIntensity(maxRestarts: 2, within: .seconds(10)), clock: clock),
            children: ["A", "B", "C"].map { script.spec(ChildID($0)) })
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }

        await recorder.wait(for: "start C#0")
        for generation in 0..<2 {
            script.exit("B", generation: generation, as: .thrown)
            await recorder.wait(for: "restart B#\(generation + 1)")
        }
        script.exit("B", generation: 2, as: .thrown)

        let error = await #expect(throws: SupervisorEscalation.self) { try await running.value }
        await recorder.finished()
        #expect(error?.childID == "B")
        #expect(error?.supervisor == "root")
        #expect(error?.trigger == .intensityExceeded(maxRestarts: 2, period: .seconds(10)))
        #expect(error?.causes.count == 3)
        #expect(error?.description.contains("B#2 threw") == true)
        #expect(recorder.lines == [
            "start A#0", "start B#0", "start C#0",
            "fail B#0", "restart B#1", "fail B#1", "restart B#2", "fail B#2",
            "stop C#0 escalation", "stop A#0 escalation", "escalate B",
        ])
        checkExactlyOnce(recorder.events)
        #expect(script.ends[IncarnationKey(id: "C", generation: 0)] == .graceful)
    }

    @Test("restarts older than the period do not count")
    func slidingWindow() async throws {
        let clock = ManualClock()
        let script = ScriptedChildren()
        let supervisor = Supervisor(
            name: "root",
            options: testOptions(intensity: RestartIntensity(maxRestarts: 1, within: .seconds(5)), clock: clock),
            children: [script.spec("A")])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        for generation in 0..<4 {
            await recorder.wait(for: generation == 0 ? "start A#0" : "restart A#\(generation)")
            clock.advance(by: .seconds(6))
            script.exit("A", generation: generation, as: .thrown)
        }
        await recorder.wait(for: "restart A#4")
        supervisor.shutdown()
        try await running.value
        #expect(recorder.lines.filter { $0.hasPrefix("restart") }.count == 4)
    }

    @Test("an escalating child supervisor is a failed child of its parent, which restarts it")
    func nestedEscalation() async throws {
        let script = ScriptedChildren()
        let innerRuns = Counter()
        let parent = Supervisor(
            name: "parent",
            options: testOptions(intensity: RestartIntensity(maxRestarts: 5, within: .seconds(60))),
            children: [AnyChildSpec(ChildSpec<Void>.supervisor(id: "inner") { incarnation in
                innerRuns.increment()
                return Supervisor(
                    name: "inner-\(incarnation.generation)",
                    options: testOptions(intensity: RestartIntensity(maxRestarts: 0, within: .seconds(60))),
                    children: [script.spec(ChildID("worker-\(incarnation.generation)"))])
            })])
        let recorder = EventRecorder(parent)
        let running = Task { try await parent.run() }
        await recorder.wait(for: "start inner#0")
        script.exit("worker-0", generation: 0, as: .thrown)
        await recorder.wait(for: "restart inner#1")

        let failure = recorder.events.compactMap { event -> ChildFailure? in
            if case .failed(let failure) = event { return failure }
            return nil
        }.first
        let escalation = failure?.error as? SupervisorEscalation
        #expect(escalation?.supervisor == "inner-0")
        #expect(escalation?.childID == "worker-0")

        parent.shutdown()
        try await running.value
        #expect(innerRuns.value == 2)
        // The new inner supervisor's worker was stopped gracefully through the forwarded request.
        #expect(script.ends[IncarnationKey(id: "worker-1", generation: 0)] == .graceful)
    }
}
