import Foundation
import StudyStore

extension StudyActor {
    /// Pending figures written on their own, without waiting for the next validation or
    /// checkpoint, once there are this many.
    static let metricsBatch = 512

    /// Keeps a trial's figures of one step for the study file (tracking systems are fed from
    /// it): a training step's only every `tracking.training_interval` steps, every validation's.
    /// They are written with the trial's next write; figures of an incarnation a restart has
    /// replaced are dropped, like its events.
    nonisolated func record(_ metrics: TrialMetrics, trialID: String, at time: Date? = nil) {
        if metrics.source == .training, !tracking.keeps(trainingStep: metrics.step) { return }
        let stamp = Int64(((time ?? wallClock()).timeIntervalSince1970 * 1000).rounded())
        let points = metrics.values.sorted { $0.key < $1.key }.map {
            MetricPoint(step: metrics.step, name: $0.key, value: $0.value, timestampMilliseconds: stamp)
        }
        let study = self.study
        owned.withLock { owned in
            guard var entry = owned[trialID], !entry.superseded, metrics.generation == entry.generation else { return }
            entry.pendingMetrics += points
            if entry.pendingMetrics.count >= Self.metricsBatch {
                let (trial, generation, batch) = (entry.trial, entry.generation, entry.pendingMetrics)
                entry.pendingMetrics = []
                write(trialID: trialID, event: nil, StudyRecorder.ProgressWrite(
                    trialID: trialID, trial: trial, study: study, generation: generation, progress: TrialProgress(metrics: batch),
                    now: Date(timeIntervalSince1970: Double(stamp) / 1000)))
            }
            owned[trialID] = entry
        }
    }
}
