import Foundation
import Integrations
import StudyStore
import Training

extension MLflowProjection {
    /// Sends what trial `trial`'s run lacks, recording each piece once it is sent.
    func feed(_ trial: StoredTrial, of study: StoredStudy, parentID: String, experimentID: String, delivery: inout TrackingDelivery,
              store: any StudyStore, sent: inout Int) async throws {
        guard let state = trial.state else { return }
        let record = { (delivery: TrackingDelivery) in
            try await store.recordDelivery(delivery, for: .trial(number: trial.number), of: study, sink: self.sink)
        }
        let runID: String
        if let id = delivery.runID {
            runID = id
        } else {
            let run = try await findOrCreate(key: Self.runKey(study: study.definition.name, trial: trial.number), name: "trial \(trial.number)",
                                             experimentID: experimentID, started: trial.startedAt.flatMap(StoreTime.date) ?? Date(),
                                             tags: ["mlflow.parentRunId": parentID, "smarttuner.study": study.definition.name,
                                                    "smarttuner.trial": "\(trial.number)"])
            runID = run.id
            delivery.runID = run.id
            try await record(delivery)
        }
        if delivery.generationsSent == 0 {
            let params = trial.parameters.mapValues(\.description)
            try await client.logBatch(runID: runID, params: params)
            sent += params.count
            delivery.generationsSent = 1
            try await record(delivery)
        }
        let restarts = try await store.restarts(of: trial)
        if restarts.count > delivery.restartsSent {
            var params: [String: String] = [:], tags: [String: String] = [:]
            for restart in restarts[delivery.restartsSent...] {
                for change in restart.changes { params["g\(restart.generation).\(change.name)"] = "\(change.to)" }
                tags["smarttuner.restart.\(restart.generation)"] = restart.words
            }
            tags["smarttuner.restarts"] = "\(restarts.count)"
            try await client.logBatch(runID: runID, params: params, tags: tags)
            sent += params.count + tags.count
            delivery.restartsSent = restarts.count
            try await record(delivery)
        }
        try await metrics(of: trial, runID: runID, delivery: &delivery, store: store, sent: &sent, record: record)
        try await heatmaps(of: trial, runID: runID, delivery: &delivery, store: store, sent: &sent, record: record)
        guard delivery.stateSent != state.rawValue else { return }
        if state != .running {
            var tags = ["smarttuner.state": state.rawValue]
            if let outcome = trial.outcome { tags["smarttuner.outcome"] = outcome.words }
            let final = trial.value.map { [MLflowMetric(key: "objective/final", value: $0, timestamp: Self.milliseconds(trial.completedAt), step: trial.lastStep)] } ?? []
            try await client.logBatch(runID: runID, metrics: final, tags: tags)
            sent += tags.count + final.count
        }
        let status: MLflowRunStatus = switch state {
        case .running: .running
        case .complete: .finished
        case .pruned: .killed
        case .failed: .failed
        }
        try await client.updateRun(runID, status: status, endTime: state == .running ? nil : Self.milliseconds(trial.completedAt))
        sent += 1
        delivery.stateSent = state.rawValue
        try await record(delivery)
    }

    /// The trial's figures stored since the last one sent, a request (and a record) per chunk.
    private func metrics(of trial: StoredTrial, runID: String, delivery: inout TrackingDelivery, store: any StudyStore, sent: inout Int,
                         record: (TrackingDelivery) async throws -> Void) async throws {
        let stored = try await store.metrics(of: trial, after: delivery.metricsThrough)
        for start in stride(from: 0, to: stored.count, by: MLflowClient.Limits.metricsPerBatch) {
            let chunk = stored[start..<min(start + MLflowClient.Limits.metricsPerBatch, stored.count)]
            try await client.logBatch(runID: runID, metrics: chunk.map {
                MLflowMetric(key: $0.point.name, value: $0.point.value, timestamp: $0.point.timestampMilliseconds, step: $0.point.step)
            })
            sent += chunk.count
            delivery.metricsThrough = chunk.last?.id ?? delivery.metricsThrough
            try await record(delivery)
        }
    }

    /// Each checkpoint's heatmap, as `heatmaps/g<generation>-step<step>.png`.
    private func heatmaps(of trial: StoredTrial, runID: String, delivery: inout TrackingDelivery, store: any StudyStore, sent: inout Int,
                          record: (TrackingDelivery) async throws -> Void) async throws {
        let sentFiles = Set(delivery.filesSent)
        let pending = try await store.checkpoints(of: trial).reversed().filter { $0.heatmap.map { !sentFiles.contains($0) } ?? false }
        guard !pending.isEmpty else { return }
        let artifacts = try await artifactURI(runID)
        for checkpoint in pending {
            guard let path = checkpoint.heatmap, let data = FileManager.default.contents(atPath: path) else { continue }
            try await client.uploadArtifact(data, path: "heatmaps/g\(checkpoint.generation)-step\(String(format: "%06d", checkpoint.step)).png",
                                            artifactURI: artifacts)
            sent += 1
            delivery.filesSent.append(path)
            try await record(delivery)
        }
    }

    /// The best trial's final checkpoint (with its digest file) and the cards of the models
    /// registered from it, when the study is done.
    func bestFiles(_ best: StoredTrial, of study: StoredStudy, delivery: inout TrackingDelivery, store: any StudyStore, sent: inout Int) async throws {
        guard let runID = delivery.runID else { return }
        var files: [(path: String, artifact: String, data: () -> Data?)] = []
        if uploadBestCheckpoint, let checkpoint = try await store.checkpoints(of: best).first {
            let name = (checkpoint.path as NSString).lastPathComponent
            files.append((checkpoint.path, "checkpoint/\(name)", { FileManager.default.contents(atPath: checkpoint.path) }))
            let digest = checkpoint.path + ".sha256"
            if FileManager.default.fileExists(atPath: digest) {
                files.append((digest, "checkpoint/\(name).sha256", { FileManager.default.contents(atPath: digest) }))
            }
        }
        for model in try await store.models(named: nil) where model.study == study.definition.name && model.trial == best.number {
            let card = model.card
            files.append(("card:\(model.name):\(model.version):\(model.stage.rawValue)", "model-card/\(model.name)-v\(model.version).md", { Data(card.utf8) }))
        }
        let sentFiles = Set(delivery.filesSent)
        let pending = files.filter { !sentFiles.contains($0.path) }
        guard !pending.isEmpty else { return }
        let artifacts = try await artifactURI(runID)
        for file in pending {
            guard let data = file.data() else { continue }
            try await client.uploadArtifact(data, path: file.artifact, artifactURI: artifacts)
            sent += 1
            delivery.filesSent.append(file.path)
            try await store.recordDelivery(delivery, for: .trial(number: best.number), of: study, sink: sink)
        }
    }
}
