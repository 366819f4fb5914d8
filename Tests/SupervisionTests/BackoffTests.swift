import Randomness
import Testing

@testable import Supervision

@Suite("Backoff")
struct BackoffTests {
    let policy = Backoff(minimum: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0,
                         resetAfter: .seconds(30))

    @Test("delays grow geometrically and stop at the maximum")
    func geometric() {
        let delays = (0..<7).map { policy.delay(consecutiveRestarts: $0, unitRandom: 0.99) }
        #expect(delays == [100, 200, 400, 800, 1000, 1000, 1000].map { Duration.milliseconds($0) })
    }

    @Test("out-of-range settings are clamped, never trapped on")
    func clamping() {
        let odd = Backoff(minimum: .seconds(-1), maximum: .seconds(-5), multiplier: .nan, jitter: 7)
        #expect(odd.minimum == .zero && odd.maximum == .zero && odd.multiplier == 1 && odd.jitter == 1)
        #expect(Backoff.none.delay(consecutiveRestarts: 1_000, unitRandom: 0.5) == .zero)
        let huge = Backoff(minimum: .seconds(1), maximum: .seconds(10), multiplier: 1e300)
        #expect(huge.delay(consecutiveRestarts: 10_000, unitRandom: 0) == .seconds(10))
    }

    @Test("the schedule is exact under a manual clock")
    func scheduleUnderManualClock() async throws {
        let clock = ManualClock()
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "backoff", options: testOptions(backoff: policy, clock: clock),
                                    children: [script.spec("A")])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start A#0")

        let expected = [100, 200, 400, 800, 1000, 1000].map { Duration.milliseconds($0) }
        for (generation, delay) in expected.enumerated() {
            script.exit("A", generation: generation, as: .thrown)
            await clock.waitForSleepers(1)
            #expect(clock.pendingDeadlines == [clock.now.advanced(by: delay)])
            clock.advance(by: delay - .nanoseconds(1))
            #expect(clock.pendingDeadlines.count == 1, "restarted early")
            clock.advance(by: .nanoseconds(1))
            await recorder.wait(for: "restart A#\(generation + 1)")
        }
        // A run of at least `resetAfter` resets the schedule.
        clock.advance(by: .seconds(30))
        script.exit("A", generation: expected.count, as: .thrown)
        await clock.waitForSleepers(1)
        #expect(clock.pendingDeadlines == [clock.now.advanced(by: .milliseconds(100))])

        supervisor.shutdown()
        try await running.value
        let delays = recorder.events.compactMap { event -> Duration? in
            if case .restarted(_, _, let after) = event { return after }
            return nil
        }
        #expect(delays == expected)
        #expect(clock.pendingDeadlines.isEmpty, "the pending restart timer was cancelled at shutdown")
    }

    @Test("jitter comes from the seeded generator, so a seed fixes the schedule")
    func seededJitter() async throws {
        let jittered = Backoff(minimum: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0.5)
        let clock = ManualClock()
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "jitter", options: testOptions(backoff: jittered, clock: clock, seed: 42),
                                    children: [script.spec("A")])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start A#0")

        var rng = SplitMix64(seed: 42)
        for generation in 0..<5 {
            let expected = jittered.delay(consecutiveRestarts: generation, unitRandom: rng.nextUnit())
            let base = Backoff(minimum: .milliseconds(100), maximum: .seconds(1)).delay(consecutiveRestarts: generation, unitRandom: 0)
            #expect(expected >= base && expected <= .seconds(1))
            script.exit("A", generation: generation, as: .thrown)
            await clock.waitForSleepers(1)
            #expect(clock.pendingDeadlines == [clock.now.advanced(by: expected)])
            clock.advance(by: expected)
            await recorder.wait(for: "restart A#\(generation + 1)")
        }
        supervisor.shutdown()
        try await running.value
    }

    @Test("a shutdown during a restart delay ends the supervisor without starting the child")
    func shutdownDuringDelay() async throws {
        let clock = ManualClock()
        let script = ScriptedChildren()
        let supervisor = Supervisor(name: "delay", options: testOptions(backoff: policy, clock: clock),
                                    children: [script.spec("A"), script.spec("B")])
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        await recorder.wait(for: "start B#0")
        script.exit("A", generation: 0, as: .thrown)
        await clock.waitForSleepers(1)
        supervisor.shutdown()
        try await running.value
        #expect(recorder.lines == ["start A#0", "start B#0", "fail A#0", "stop B#0 shutdown"])
        checkExactlyOnce(recorder.events)
    }
}
