import Randomness
import Testing

@testable import Supervision

/// Property: under any seeded random schedule of exits, dynamic starts and stops, every
/// incarnation either is running or has had its end reported, exactly once.
@Suite("Seeded random fault schedules")
struct FaultScheduleTests {
    @Test("every incarnation's start and end are reported exactly once", arguments: 1...40)
    func exactlyOnce(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed)
        let strategy = SupervisionStrategy.allCases[Int(rng.next() % 3)]
        let tightIntensity = rng.next() % 4 == 0
        let intensity = RestartIntensity(maxRestarts: tightIntensity ? 3 : 1_000, within: .seconds(60))
        let script = ScriptedChildren()
        var initial: [AnyChildSpec] = []
        for index in 0..<(2 + Int(rng.next() % 4)) {
            let restart = RestartType.allCases[Int(rng.next() % 3)]
            let shutdown: ShutdownMode = rng.next() % 2 == 0 ? .brutal : .graceful(timeout: .seconds(1))
            initial.append(script.spec(ChildID("c\(index)"), restart: restart, shutdown: shutdown))
        }
        let supervisor = Supervisor(name: "fuzz-\(seed)", options: testOptions(strategy: strategy, intensity: intensity),
                                    children: initial)
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }
        let initialCount = initial.count
        await recorder.wait { $0.count >= initialCount }

        var dynamicCount = 0
        steps: for _ in 0..<30 {
            guard let children = try? await supervisor.children() else { break steps }
            let live = children.filter { $0.state == .running }
            switch rng.next() % 10 {
            case 0..<7 where !live.isEmpty:
                let target = live[Int(rng.next() % UInt64(live.count))]
                let kind = ExitKind.allCases[Int(rng.next() % 3)]
                let before = recorder.events.count
                script.exit(target.id, generation: target.generation, as: kind)
                let key = IncarnationKey(id: target.id, generation: target.generation)
                await recorder.wait { events in
                    events.dropFirst(before).contains { event in
                        switch event {
                        case .failed(let failure): return IncarnationKey(id: failure.childID, generation: failure.generation) == key
                        case .stopped(let id, let generation, _): return IncarnationKey(id: id, generation: generation) == key
                        default: return false
                        }
                    }
                }
            case 7:
                dynamicCount += 1
                let restart = RestartType.allCases[Int(rng.next() % 3)]
                let spec = script.spec(ChildID("d\(dynamicCount)"), restart: restart)
                try? await supervisor.startChild(ChildSpec<Void>(id: spec.id) { incarnation in
                    try await script.body(id: spec.id, generation: incarnation.generation, shutdown: incarnation.shutdown)
                })
            case 8 where !children.isEmpty:
                try? await supervisor.stopChild(children[Int(rng.next() % UInt64(children.count))].id)
            default:
                break
            }
        }
        supervisor.shutdown()
        do {
            try await running.value
        } catch is SupervisorEscalation {
            #expect(tightIntensity, "only a tight intensity may escalate")
        }
        await recorder.finished()
        checkExactlyOnce(recorder.events)
        let escalations = recorder.lines.filter { $0.hasPrefix("escalate") }.count
        #expect(escalations <= 1)
        if escalations == 1 { #expect(recorder.lines.last?.hasPrefix("escalate") == true) }
    }
}
