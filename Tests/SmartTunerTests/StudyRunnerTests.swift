import Synchronization
import Foundation
import Testing
import TestScratch

@testable import SmartTuner

/// A drill-size study: the miniature corpus, a few dozen steps per trial.
func drillStudy(directory: String, trials: Int, parallelism: Int, steps: Int = 40, name: String = "drill") -> String {
    """
    study:
      name: \(name)
      storage: \(directory)/study.db
      trials: \(trials)
      parallelism: \(parallelism)
      seed: 3
      sampler: {type: tpe, startup_trials: 2}
      pruner: {type: none}
    trainer:
      steps: \(steps)
      validation_interval: 10
      checkpoint_interval: 10
      corpus: miniature
      directory: \(directory)/runs
    search_space:
      learning_rate: {type: float, low: 0.001, high: 0.01, log: true}
      guided_attention_weight: {type: float, low: 0.5, high: 2.0}
    early_stop:
      alignment_deadline: 0
    """
}

func scratchDirectory() throws -> String { try Scratch.folder("smarttuner-study") }

@Suite("Study runner", .scratch)
struct StudyRunnerTests {
    @Test("a study runs its trials in parallel under the tree; values, checkpoints and metrics are stored")
    func runsStudy() async throws {
        let directory = try scratchDirectory()
        let settings = try StudyConfigurationFile.parse(drillStudy(directory: directory, trials: 4, parallelism: 2), file: "drill.yaml")
        let events = EventCollector()
        let runner = try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)) { events.add($0) }
        try await runner.run()
        let report = try await runner.report()
        #expect(report.states == ["complete": 4, "pruned": 0, "failed": 0, "running": 0])
        let best = try #require(report.best)
        #expect(best.metrics["focus_rate"] != nil && best.checkpoint != nil)
        let store = try await openStore(settings.storage, readOnly: true)
        let trials = try await store.trials(of: try await store.study(named: "drill"))
        #expect(trials.map(\.number) == [0, 1, 2, 3])
        #expect(trials.allSatisfy { $0.intermediate.count == 4 && $0.lastStep == 40 })
        #expect(try await store.integrityCheck() == "ok")
        #expect(events.finished.count == 4 && events.newBests >= 1)
        // Re-running a finished study repeats nothing.
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        #expect(try await store.trials(of: try await store.study(named: "drill")).count == 4)
    }

    @Test("a NaN restarts each trial by the study file's rule, not the default: only the named change, from scratch")
    func configuredRestartRule() async throws {
        let directory = try scratchDirectory()
        let yaml = drillStudy(directory: directory, trials: 2, parallelism: 2)
            .replacingOccurrences(of: "  corpus: miniature", with: "  corpus: miniature\n  faults: nan@15")
            + """

            restart:
              rules:
                nonFinite:
                  adjust:
                    learning_rate: {set: 0.0004}
                  resume: scratch
            """
        let settings = try StudyConfigurationFile.parse(yaml, file: "drill.yaml")
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        let store = try await openStore(settings.storage, readOnly: true)
        let trials = try await store.trials(of: try await store.study(named: "drill"))
        #expect(trials.map(\.state) == [.complete, .complete])
        for trial in trials {
            let restarts = try await store.restarts(of: trial)
            #expect(restarts.map(\.cause) == [.nonFinite], "trial \(trial.number)")
            let changes = restarts.first?.changes ?? []
            // The default rule would also have halved grad_clip and resumed from the checkpoint at step 10.
            #expect(changes.map(\.name) == ["learning_rate"] && changes.first?.to == 0.0004, "\(changes)")
            #expect(restarts.first?.checkpoint == nil, "resumed from scratch")
            #expect(restarts.first?.generation == 1 && trial.lastStep == 40)
            #expect(trial.hyperparameters["learning_rate"] == 0.0004, "the last incarnation trained with the rule's value")
        }
    }
}

final class EventCollector: Sendable {
    private let events = Mutex<[StudyEvent]>([])
    func add(_ event: StudyEvent) { events.withLock { $0.append(event) } }
    var finished: [Int] { events.withLock { $0.compactMap { if case .trialFinished(let n, _, _, _) = $0 { return n }; return nil } } }
    var newBests: Int { events.withLock { $0.filter { if case .trialFinished(_, _, _, true) = $0 { return true }; return false }.count } }
}

extension StudyRunnerTests {
    @Test("a trial another worker took over while it ran: its result here is dropped, and the study still finishes every trial",
          .timeLimit(.minutes(2)))
    func foreignTakeOver() async throws {
        let directory = try scratchDirectory()
        let yaml = drillStudy(directory: directory, trials: 2, parallelism: 1)
            .replacingOccurrences(of: "  corpus: miniature", with: "  corpus: miniature\n  faults: slow@25")
            .replacingOccurrences(of: "  seed: 3", with: "  seed: 3\n  heartbeat_timeout: 1")
        let settings = try StudyConfigurationFile.parse(yaml, file: "drill.yaml")
        let runner = try await StudyRunner(settings: settings, pollInterval: .milliseconds(50))
        let running = Task { try await runner.run() }
        // Once trial 0 is under way, a worker on another host takes it over (as if this one had
        // gone silent), and then goes silent itself.
        let other = try await openStore(settings.storage)
        let study = try await other.study(named: "drill")
        let stranger = WorkerIdentity(host: "elsewhere", pid: 4_242, processStart: "0")
        var takenOver = false
        while !takenOver {
            try await Task.sleep(for: .milliseconds(20))
            guard let first = try await other.trials(of: study).first, first.state == .running, first.lastStep >= 10 else { continue }
            if case .resumed(let trial, _) = try await other.claim(study, worker: stranger, staleAfter: 0, propose: { _, _ in nil }) {
                takenOver = trial.number == 0
            }
        }
        try await running.value
        let trials = try await other.trials(of: study)
        let story = try await other.events(of: try #require(trials.first)).map { "g\($0.generation) \($0.kind): \($0.detail)" }
        #expect(trials.map(\.state) == [.complete, .complete], "\(story)")
        #expect(trials.first?.interruptions == 2, "the stranger's take-over, then this runner's when the stranger fell silent")
        #expect(try await other.events(of: try #require(trials.first)).contains { $0.kind == "interrupted" && $0.detail.contains("elsewhere") })
    }
}
