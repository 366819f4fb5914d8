import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import SmartTuner
import TestScratch

/// A study file written through the storage protocol, with a trial of every kind: one complete
/// after a smart restart (figures, a checkpoint with its heatmap, events, a registry entry), one
/// pruned, one failed, one running.
struct DashboardFixture {
    let store: any StudyStore
    let study: StoredStudy
    let heatmap: Data
    let folder: String

    static let space: SearchSpace = {
        do {
            return try SearchSpace([.init("learning_rate", .float(low: 1e-4, high: 1e-2, log: true)),
                                    .init("weight", .float(low: 0.5, high: 2)),
                                    .init("cell", .categorical([.string("gru"), .string("lstm")]))])
        } catch {
            fatalError("the fixture's literal space is invalid: \(error)")
        }
    }()

    /// Makes the study file in a new scratch folder.
    static func make() async throws -> DashboardFixture {
        let folder = try Scratch.folder("dashboard")
        let store: any StudyStore = try SQLiteStudyStore(path: folder + "/study.db")
        let study = try await store.createOrOpen(StudyDefinition(name: "tts", space: space, targetTrials: 5))
        let me = WorkerIdentity.current
        func claim() async throws -> StoredTrial {
            guard case .new(let trial) = try await store.claim(study, worker: me, staleAfter: 3_600, propose: { _, number in
                ["learning_rate": .float(0.001 * Double(number + 1)), "weight": .float(1 + Double(number) / 10), "cell": .string(number % 2 == 0 ? "gru" : "lstm")]
            }) else { throw DashboardError.notFound("the fixture could not claim a trial") }
            return trial
        }
        let heatmap = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])
        try heatmap.write(to: URL(fileURLWithPath: folder + "/attention-20.png"))
        try Data("weights".utf8).write(to: URL(fileURLWithPath: folder + "/checkpoint-20.safetensors"))
        let stamp = Int64(Date().timeIntervalSince1970 * 1_000)

        let first = try await claim()
        try await store.report(first, in: study, generation: 0, progress: TrialProgress(
            values: [10: 2.0, 20: 1.5], lastStep: 20, quality: ["focus_rate": 0.5],
            checkpoints: [Checkpoint(generation: 0, step: 20, path: folder + "/checkpoint-20.safetensors", sha256: String(repeating: "ab", count: 32),
                                     heatmap: folder + "/attention-20.png", weightsFinite: true, evaluation: 1.5, aligned: false)],
            events: [StoredEvent(generation: 0, at: StoreTime.text(Date()), kind: "started", detail: "<script>alert(1)</script> from scratch")],
            metrics: [MetricPoint(step: 10, name: "train/total", value: 4.0, timestampMilliseconds: stamp),
                      MetricPoint(step: 20, name: "train/total", value: 3.0, timestampMilliseconds: stamp + 1_000)]), now: Date())
        try await store.recordRestart(first, in: study, previousGeneration: 0, restart: StoredRestart(
            generation: 1, cause: .nonFinite, evidence: "loss NaN at step 25",
            changes: [ParameterChange(name: "learning_rate", from: 0.001, to: 0.0005)], checkpoint: folder + "/checkpoint-20.safetensors",
            backoffSeconds: 1, kind: .hot), hyperparameters: ["learning_rate": 0.0005, "weight": 1])
        try await store.report(first, in: study, generation: 1, progress: TrialProgress(
            values: [30: 1.2], lastStep: 30, metrics: [MetricPoint(step: 30, name: "train/total", value: 2.5, timestampMilliseconds: stamp + 2_000)]),
            now: Date())
        try await store.finish(first, in: study, generation: 1, state: .complete, value: 1.2, outcome: .supervised(.completed(.budget)), summaryJSON: nil)
        try await store.register(name: "voice", study: "tts", trial: 0, checkpoint: folder + "/checkpoint-20.safetensors",
                                 sha256: String(repeating: "ab", count: 32), metrics: ["focus_rate": 0.5], parameters: ["learning_rate": 0.0005])

        let second = try await claim()
        try await store.report(second, in: study, generation: 0, values: [(10, 3.0)], lastStep: 10)
        try await store.finish(second, in: study, generation: 0, state: .pruned, value: 3.0, outcome: .supervised(.pruned), summaryJSON: nil)
        let third = try await claim()
        try await store.finish(third, in: study, generation: 0, state: .failed, value: nil, outcome: .supervised(.failed(.crash)), summaryJSON: nil)
        let fourth = try await claim()
        try await store.report(fourth, in: study, generation: 0, progress: TrialProgress(
            values: [10: 2.5], lastStep: 15,
            metrics: [MetricPoint(step: 10, name: "train/total", value: 3.5, timestampMilliseconds: stamp),
                      MetricPoint(step: 15, name: "train/total", value: 3.4, timestampMilliseconds: stamp + 2_500)]), now: Date())
        return DashboardFixture(store: store, study: study, heatmap: heatmap, folder: folder)
    }

    /// The dashboard of this study file under test, with `settings`.
    func application(_ settings: DashboardSettings = DashboardSettings(pollInterval: .milliseconds(20)),
                     clock: any Clock<Duration> = ContinuousClock()) -> some ApplicationProtocol {
        Application(router: DashboardServer.router(store: store, settings: settings, clock: clock))
    }
}
