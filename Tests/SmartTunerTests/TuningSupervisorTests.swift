import Foundation
import Testing
import TestScratch

@testable import SmartTuner

@Suite("The root of the tree", .scratch)
struct TuningSupervisorTests {
    let tests = TrialSupervisorTests()

    func eventLog() -> (sink: EventLogSink, kinds: @Sendable () -> [String]) {
        let path = Scratch.path("alerts", suffix: ".jsonl")
        return (EventLogSink(path: path), {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
                ((try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["alert"] as? [String: Any])?["kind"] as? String
            }
        })
    }

    func waitFor(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<1_000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test("a trial runs under the root; its events become alerts")
    func trialWithAlerts() async throws {
        let log = eventLog()
        let root = TuningSupervisor(trialConfiguration: tests.configuration(),
                                    alerts: AlertActor(sinks: [log.sink], logger: TrialSupervisorTests.quiet), logger: TrialSupervisorTests.quiet)
        let running = Task { try await root.run() }
        let (outcome, record) = try await root.runTrial(try tests.request("nan@7"))
        #expect(outcome == .completed(reason: .budget, step: 12))
        #expect(tests.story(record) == ["started", "failed(nonFinite)", "restarted(nonFinite)", "started", "finished(completed.budget)"])
        try await waitFor { log.kinds().count >= 4 }
        #expect(log.kinds() == ["trial_started", "trial_failed", "trial_restarted", "trial_finished"])
        root.shutdown()
        try await running.value
    }

    @Test("a restart storm: the trial escalates, the root alerts and admits no more trials")
    func restartStorm() async throws {
        let log = eventLog()
        var configuration = tests.configuration(maxRestarts: 100, budget: RestartBudget(RestartIntensity(maxRestarts: 2, within: .seconds(600))))
        configuration.backoff = .none
        let root = TuningSupervisor(trialConfiguration: configuration,
                                    alerts: AlertActor(sinks: [log.sink], logger: TrialSupervisorTests.quiet), logger: TrialSupervisorTests.quiet)
        let running = Task { try await root.run() }
        var request = try tests.request("crash@2:all")
        request.trialID = "storm"
        let (outcome, record) = try await root.runTrial(request)
        guard case .escalated = outcome else { Issue.record("got \(outcome)"); return }
        #expect(tests.story(record).filter { $0.hasPrefix("restarted") }.count == 2)
        try await waitFor { log.kinds().contains("escalation") }
        #expect(log.kinds().contains("escalation"))
        #expect(!root.admissionOpen)
        await #expect(throws: TuningSupervisor.AdmissionError.sessionEscalated) { _ = try await root.runTrial(try tests.request("")) }
        root.shutdown()
        try await running.value
    }

    @Test("a graceful shutdown stops a running trial with a final checkpoint")
    func gracefulShutdown() async throws {
        let root = TuningSupervisor(trialConfiguration: tests.configuration(),
                                    alerts: AlertActor(sinks: [], logger: TrialSupervisorTests.quiet), logger: TrialSupervisorTests.quiet)
        let running = Task { try await root.run() }
        let steps = StepCounter()
        let trial = Task {
            try await root.runTrial(try tests.request("", steps: 1_000_000), onStep: { _, step in steps.record(step.step) })
        }
        try await waitFor { steps.latest >= 5 }
        root.shutdown()
        let (outcome, record) = try await trial.value
        guard case .completed(.stopped, let step) = outcome else { Issue.record("got \(outcome)"); return }
        #expect(step < 1_000_000)
        #expect(record.latestCheckpoint?.step == step, "the last step was checkpointed")
        try await running.value
    }
}

import Synchronization

final class StepCounter: Sendable {
    private let value = Mutex(0)
    func record(_ step: Int) { value.withLock { $0 = max($0, step) } }
    var latest: Int { value.withLock { $0 } }
}
