import Foundation
import TensorBoardEvents
import Testing
import TestScratch
import Tracking

@testable import SmartTuner

/// A drill study of the built-in model that feeds TensorBoard: two trials, each restarted
/// once by a NaN at step 15 and resumed from its checkpoint at step 10.
func trackedStudy(directory: String, trials: Int = 2, faults: String = "nan@15", tracking: String) -> String {
    """
    study:
      name: drill
      storage: \(directory)/study.db
      trials: \(trials)
      parallelism: 1
      seed: 3
      sampler: {type: tpe, startup_trials: 2}
      pruner: {type: none}
    trainer:
      steps: 40
      validation_interval: 10
      checkpoint_interval: 10
      corpus: miniature
      directory: \(directory)/runs
      faults: \(faults)
    search_space:
      learning_rate: {type: float, low: 0.001, high: 0.01, log: true}
      guided_attention_weight: {type: float, low: 0.5, high: 2.0}
    early_stop:
      alignment_deadline: 0
    tracking:
    \(tracking)
    """
}

/// What read_tensorboard.py prints for one run folder.
struct TensorBoardRunContents: Decodable {
    let scalars: [String: [[JSONNumber]]]
    let images: [String: [[Int]]]
    let texts: [String: [TextEntry]]
    let hparams: HParams

    struct HParams: Decodable {
        let experiment: Experiment?
        let session_start: SessionStart?
        let session_end: SessionEnd?
    }
    struct Experiment: Decodable {
        let name: String
        let hparams: [String]
        let metrics: [String]
    }
    struct SessionStart: Decodable {
        let group: String
        let hparams: [String: Double]
    }
    struct SessionEnd: Decodable { let status: Int }

    /// `[step, text]`.
    struct TextEntry: Decodable {
        let step: Int
        let text: String
        init(from decoder: any Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            step = try pair.decode(Int.self)
            text = try pair.decode(String.self)
        }
    }
}

/// A number of the reader's JSON: NaN and infinities come as text.
struct JSONNumber: Decodable {
    let value: Double
    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let number = try? single.decode(Double.self) {
            value = number
        } else {
            value = ["nan": .nan, "inf": .infinity, "-inf": -.infinity][try single.decode(String.self)] ?? .nan
        }
    }
}

func readTensorBoard(_ folder: String) throws -> [String: TensorBoardRunContents] {
    let data = try runPython(try trackingPython(), [trackingScript("read_tensorboard.py"), folder])
    return try JSONDecoder().decode([String: TensorBoardRunContents].self, from: data)
}

@Suite("TensorBoard fed from a study", .scratch, .serialized)
struct TensorBoardStudyTests {
    @Test("TensorBoard's own reader finds every stored figure by generation, the heatmaps, restarts, outcomes and HParams; a replay writes nothing; a corrupt record is reported and rewritten")
    func studyInTensorBoard() async throws {
        let directory = try Scratch.folder("tracking-tensorboard")
        let settings = try StudyConfigurationFile.parse(
            trackedStudy(directory: directory, tracking: "  training_interval: 5\n  tensorboard: \(directory)/tb"), file: "drill.yaml")
        try await StudyRunner(settings: settings, pollInterval: .milliseconds(50)).run()
        let store = try await StoreLocation(settings.storage).open(readOnly: true)
        let study = try await store.study(named: "drill")
        let trials = try await store.trials(of: study)
        #expect(trials.map(\.state) == [.complete, .complete])
        let logdir = directory + "/tb/drill"
        let runs = try readTensorBoard(logdir)

        let experiment = try #require(runs["."]?.hparams.experiment)
        #expect(experiment.name == "drill" && Set(experiment.hparams) == ["learning_rate", "guided_attention_weight"])
        #expect(experiment.metrics.first == "objective/final" && experiment.metrics.contains("trial/restarts"))
        for trial in trials {
            let name = TensorBoardLayout.trialName(trial.number)
            let session = try #require(runs[name], "\(runs.keys.sorted())")
            #expect(session.hparams.session_start?.group == name)
            #expect(session.hparams.session_start?.hparams["learning_rate"] == trial.parameters["learning_rate"]?.number)
            #expect(session.hparams.session_end?.status == 1)
            #expect(session.scalars["objective/final"]?.map { Float($0[1].value) } == [Float(trial.value ?? .nan)])
            #expect(session.scalars["trial/restarts"]?.first?[1].value == 1)
            let restarts = try await store.restarts(of: trial)
            #expect(session.texts["restarts"]?.map(\.step) == [1] && session.texts["restarts"]?.first?.text == restarts.first?.words)
            #expect(session.texts["outcome"]?.first?.text.hasPrefix("complete") == true)

            // Every stored figure, in its generation's run, step by step.
            let metrics = try await store.metrics(of: trial, after: 0)
            #expect(Set(metrics.map(\.generation)) == [0, 1])
            for generation in [0, 1] {
                let run = try #require(runs["\(name)/g\(generation)"])
                let stored = Dictionary(grouping: metrics.filter { $0.generation == generation }, by: \.point.name)
                #expect(Set(run.scalars.keys) == Set(stored.keys))
                for (tag, points) in stored {
                    let expected = points.sorted { $0.point.step < $1.point.step }.map { ($0.point.step, Float($0.point.value)) }
                    let read = (run.scalars[tag] ?? []).map { (Int($0[0].value), Float($0[1].value)) }
                    #expect(read.count == expected.count && zip(read, expected).allSatisfy { $0.0 == $1.0 && ($0.1 == $1.1 || ($0.1.isNaN && $1.1.isNaN)) },
                            "trial \(trial.number) g\(generation) \(tag): \(read) vs \(expected)")
                }
                let heatmaps = try await store.checkpoints(of: trial).filter { $0.generation == generation && $0.heatmap != nil }.map(\.step)
                #expect(!heatmaps.isEmpty && run.images["attention"]?.map { $0[0] }.sorted() == heatmaps.sorted())
                #expect(run.images["attention"]?.allSatisfy { $0[1] > 0 && $0[2] > 0 } == true)
            }
            // Thinned training figures: every 5th step and the first; generation 1 resumes at 15.
            // (The built-in trainer may take a few more steps after the NaN at 15 before the
            // restart stops it — seen once in CI: g0 ended at 20 — and those steps are recorded.)
            let g0 = try #require(runs["\(name)/g0"]?.scalars["train/total"]).map { Int($0[0].value) }
            let g1 = try #require(runs["\(name)/g1"]?.scalars["train/total"]).map { Int($0[0].value) }
            #expect(Array(g0.prefix(4)) == [1, 5, 10, 15] && g0.dropFirst().allSatisfy { $0 % 5 == 0 } && g0 == g0.sorted(), "g0 \(g0)")
            #expect(g1 == [15, 20, 25, 30, 35, 40], "g1 \(g1)")
        }

        // A replay over the finished study writes nothing.
        let replay = TensorBoardProjection(root: directory + "/tb", study: "drill")
        let again = try await replay.project(study, store: store)
        #expect(again.values == 0 && again.problems.isEmpty)

        // A record flipped in one of a run's files: reported, and what that file held written again.
        let runFolder = logdir + "/trial-0000/g1"
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: runFolder).first { $0.hasPrefix("events.out.tfevents.") })
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: runFolder + "/" + file)))
        bytes[60] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: runFolder + "/" + file))
        let repaired = try await TensorBoardProjection(root: directory + "/tb", study: "drill").project(study, store: store)
        #expect(repaired.problems.count == 1 && repaired.problems[0].contains("CRC"), "\(repaired.problems)")
        #expect(repaired.values > 0)
        let after = try readTensorBoard(logdir)
        let expected = Set(try await store.metrics(of: trials[0], after: 0).filter { $0.generation == 1 && $0.point.name == "train/total" }.map(\.point.step))
        #expect(Set((after["trial-0000/g1"]?.scalars["train/total"] ?? []).map { Int($0[0].value) }) == expected)
    }
}
