import Foundation
import StudyStore
import Testing
import Tracking

/// One run as read_mlflow.py prints it.
struct MLflowRunContents: Decodable, Equatable {
    let id: String
    let name: String
    let status: String
    let start_time: Int64
    let end_time: Int64?
    let parent: String?
    let params: [String: String]
    let tags: [String: String]
    /// `[step, value, timestamp]` in step and time order.
    let metrics: [String: [[JSONNumber]]]
    /// `[path, size]`.
    let artifacts: [[ArtifactField]]

    enum ArtifactField: Decodable, Equatable {
        case text(String), number(Int)
        init(from decoder: any Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let number = try? single.decode(Int.self) { self = .number(number) } else { self = .text(try single.decode(String.self)) }
        }
        var text: String? { if case .text(let text) = self { text } else { nil } }
    }

    var artifactPaths: Set<String> { Set(artifacts.compactMap { $0.first?.text }) }
}

extension JSONNumber: Equatable {
    static func == (a: JSONNumber, b: JSONNumber) -> Bool { a.value == b.value || (a.value.isNaN && b.value.isNaN) }
}

func readMLflow(_ url: String, experiment: String) throws -> [MLflowRunContents] {
    let data = try runPython(try trackingPython(), [trackingScript("read_mlflow.py"), url, experiment])
    return try JSONDecoder().decode([MLflowRunContents].self, from: data)
}

/// Checks that `runs` hold exactly what the study file says `study` has: the parent and one
/// child per trial, their statuses, params (with each restart's per-generation values), restart
/// tags, every stored figure's history point by point, and the artifacts.
func expectMirror(of study: StoredStudy, in store: any StudyStore, runs: [MLflowRunContents], bestCheckpoint: Bool = true) async throws {
    let trials = try await store.trials(of: study)
    let name = study.definition.name
    let parent = try #require(runs.first { $0.name == "study \(name)" }, "\(runs.map(\.name))")
    #expect(runs.count == trials.count + 1, "one parent and one child per trial: \(runs.map(\.name))")
    #expect(parent.status == "FINISHED" && parent.parent == nil && parent.params["trials"] == "\(study.definition.targetTrials)")
    let best = try await store.bestTrial(of: study)
    #expect(parent.tags["smarttuner.best_trial"] == best.map { "\($0.number)" })
    #expect(parent.metrics["objective"]?.map { Int($0[0].value) } == trials.filter { $0.value != nil }.map(\.number))
    for trial in trials {
        let run = try #require(runs.first { $0.name == "trial \(trial.number)" })
        #expect(run.parent == parent.id)
        let status = ["complete": "FINISHED", "pruned": "KILLED", "failed": "FAILED", "running": "RUNNING"][trial.state?.rawValue ?? ""]
        #expect(run.status == status, "trial \(trial.number)")
        let restarts = try await store.restarts(of: trial)
        var params = trial.parameters.mapValues(\.description)
        for restart in restarts { for change in restart.changes { params["g\(restart.generation).\(change.name)"] = "\(change.to)" } }
        #expect(run.params == params, "trial \(trial.number)")
        for restart in restarts { #expect(run.tags["smarttuner.restart.\(restart.generation)"] == restart.words) }
        // Every stored figure, point by point (value, step and the time the study file recorded).
        let stored = Dictionary(grouping: try await store.metrics(of: trial, after: 0), by: \.point.name)
        #expect(Set(run.metrics.keys) == Set(stored.keys).union(trial.value == nil ? [] : ["objective/final"]), "trial \(trial.number)")
        for (key, points) in stored {
            let expected = points.map(\.point).sorted { ($0.step, $0.timestampMilliseconds) < ($1.step, $1.timestampMilliseconds) }
                .map { [Double($0.step), $0.value, Double($0.timestampMilliseconds)] }
            let read = (run.metrics[key] ?? []).map { $0.map(\.value) }
            #expect(read.count == expected.count && zip(read, expected).allSatisfy { zip($0, $1).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } },
                    "trial \(trial.number) \(key): \(read.prefix(4)) vs \(expected.prefix(4))")
        }
        var artifacts = Set(try await store.checkpoints(of: trial).filter { $0.heatmap != nil }
            .map { "heatmaps/g\($0.generation)-step\(String(format: "%06d", $0.step)).png" })
        if bestCheckpoint, trial.number == best?.number, let last = try await store.checkpoints(of: trial).first {
            let file = (last.path as NSString).lastPathComponent
            artifacts.formUnion(["checkpoint/\(file)", "checkpoint/\(file).sha256"])
        }
        #expect(run.artifactPaths == artifacts, "trial \(trial.number)")
    }
}
