import Testing

@testable import Supervision

/// The Erlang/OTP supervisor matrix: every strategy × restart type × exit kind × shutdown mode.
///
/// Three children A, B, C of the same restart type and shutdown mode; B ends as told; then the
/// supervisor shuts down. The whole event sequence is checked against the OTP rules.
@Suite("Strategy matrix")
struct StrategyMatrixTests {
    enum Mode: String, CaseIterable, CustomTestStringConvertible {
        case graceful, brutal
        var shutdown: ShutdownMode { self == .graceful ? .graceful(timeout: .seconds(5)) : .brutal }
        var testDescription: String { rawValue }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let strategy: SupervisionStrategy
        let restart: RestartType
        let exit: ExitKind
        let mode: Mode
        var testDescription: String { "\(strategy) \(restart) \(exit) \(mode)" }
    }

    static let cases: [Case] = SupervisionStrategy.allCases.flatMap { strategy in
        RestartType.allCases.flatMap { restart in
            ExitKind.allCases.flatMap { exit in
                Mode.allCases.map { Case(strategy: strategy, restart: restart, exit: exit, mode: $0) }
            }
        }
    }

    @Test("B ends; siblings and restarts follow the strategy", arguments: cases)
    func matrix(_ testCase: Case) async throws {
        #expect(Self.cases.count == 54)
        try await runCase(strategy: testCase.strategy, restart: testCase.restart, exit: testCase.exit, mode: testCase.mode)
    }

    private func runCase(strategy: SupervisionStrategy, restart: RestartType, exit: ExitKind, mode: Mode) async throws {
        let label = "\(strategy) \(restart) \(exit) \(mode)"
        let clock = ManualClock()
        let script = ScriptedChildren()
        let ids: [ChildID] = ["A", "B", "C"]
        let supervisor = Supervisor(
            name: "matrix",
            options: testOptions(strategy: strategy, intensity: RestartIntensity(maxRestarts: 10, within: .seconds(60)),
                                 clock: clock),
            children: ids.map { script.spec($0, restart: restart, shutdown: mode.shutdown) })
        let recorder = EventRecorder(supervisor)
        let running = Task { try await supervisor.run() }

        await recorder.wait(for: "start C#0")
        script.exit("B", generation: 0, as: exit)

        var expected = ["start A#0", "start B#0", "start C#0"]
        expected.append(exit == .normal ? "stop B#0 completed" : "fail B#0")
        let reason: TerminationReason = exit == .normal
            ? .completed : .failed(ChildFailure(childID: "B", generation: 0, cause: .cancelled))
        var generations: [ChildID: Int] = ["A": 0, "B": 0, "C": 0]
        if restart.restarts(after: reason) {
            let group: [ChildID]
            switch strategy {
            case .oneForOne: group = ["B"]
            case .oneForAll: group = ids
            case .restForOne: group = ["B", "C"]
            }
            for sibling in group.reversed() where sibling != "B" {
                expected.append("stop \(sibling)#0 siblingRestart")
            }
            for member in group {
                expected.append("restart \(member)#1")
                generations[member] = 1
            }
        } else {
            generations["B"] = nil
        }
        await recorder.wait(for: expected.last ?? "")
        supervisor.shutdown()
        try await running.value
        await recorder.finished()

        for id in ids.reversed() {
            if let generation = generations[id] { expected.append("stop \(id)#\(generation) shutdown") }
        }
        #expect(recorder.lines == expected, "\(label)")
        checkExactlyOnce(recorder.events)

        // How stopped children saw their end: a graceful request, or cancellation.
        let stopped: ObservedEnd = mode == .graceful ? .graceful : .killed
        let ends = script.ends
        for (id, generation) in generations {
            #expect(ends[IncarnationKey(id: id, generation: generation)] == stopped, "\(label): \(id)#\(generation)")
        }
        let bEnd: ObservedEnd = exit == .normal ? .normal : (exit == .thrown ? .thrown : .cancelled)
        #expect(ends[IncarnationKey(id: "B", generation: 0)] == bEnd, "\(label)")
    }
}
