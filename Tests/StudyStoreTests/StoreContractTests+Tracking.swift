import Foundation
import Optimization
import Testing
import TestScratch
import Training

@testable import StudyStore

extension StoreContractTests {
    @Test("figures by step read back in the order written, by generation, non-finite kept, after a cursor; a point written again is replaced; a superseded generation's are refused",
          arguments: StoreBackend.all)
    func figuresRoundTrip(backend: StoreBackend) async throws {
        let store = try await backend.open(try await backend.location())
        let study = try await store.createOrOpen(definition(trials: 1))
        let trial = try #require(try await store.claim(study, worker: me, staleAfter: 60, propose: propose).newTrial)
        let first = [MetricPoint(step: 1, name: "train/total", value: 2.5, timestampMilliseconds: 1_000),
                     MetricPoint(step: 10, name: "train/total", value: .nan, timestampMilliseconds: 2_000),
                     MetricPoint(step: 10, name: "alignment/focus_rate", value: -.infinity, timestampMilliseconds: 2_000)]
        try await store.report(trial, in: study, generation: 0, progress: TrialProgress(metrics: first), now: Date())
        let read = try await store.metrics(of: trial, after: 0)
        #expect(read.map(\.point.name) == ["train/total", "train/total", "alignment/focus_rate"] && read.allSatisfy { $0.generation == 0 })
        #expect(read[0].point == first[0] && read[1].point.value.isNaN && read[2].point.value == -.infinity)
        #expect(read.map(\.id) == read.map(\.id).sorted() && Set(read.map(\.id)).count == 3)
        try await store.recordRestart(trial, in: study, previousGeneration: 0, restart: StoredRestart(
            generation: 1, cause: .nonFinite, evidence: "NaN", changes: [], checkpoint: nil, backoffSeconds: 0), hyperparameters: [:])
        let later = [MetricPoint(step: 10, name: "train/total", value: 1.5, timestampMilliseconds: 3_000)]
        try await store.report(trial, in: study, generation: 1, progress: TrialProgress(metrics: later), now: Date())
        let next = try await store.metrics(of: trial, after: read[2].id)
        #expect(next.map(\.generation) == [1] && next.map(\.point) == later, "only what came after the cursor")
        await #expect(throws: StudyStoreError.self) {
            try await store.report(trial, in: study, generation: 0, progress: TrialProgress(metrics: later), now: Date())
        }
        let replaced = MetricPoint(step: 10, name: "train/total", value: 1.25, timestampMilliseconds: 4_000)
        try await store.report(trial, in: study, generation: 1, progress: TrialProgress(metrics: [replaced]), now: Date())
        #expect(try await store.metrics(of: trial, after: 0).filter { $0.generation == 1 }.map(\.point) == [replaced])
    }

    @Test("what a tracking system was sent reads back per sink and subject; a read-only store refuses to record it", arguments: StoreBackend.all)
    func deliveriesRoundTrip(backend: StoreBackend) async throws {
        let location = try await backend.location()
        let store = try await backend.open(location)
        let study = try await store.createOrOpen(definition(trials: 1))
        #expect(try await store.deliveries(of: study, sink: "mlflow a").isEmpty)
        let parent = TrackingDelivery(runID: "p", generationsSent: 1, stateSent: "complete", resultsSent: [0, 2])
        let child = TrackingDelivery(runID: "c", metricsThrough: 42, generationsSent: 1, restartsSent: 2, filesSent: ["/h.png"], stateSent: "pruned")
        try await store.recordDelivery(parent, for: .study, of: study, sink: "mlflow a")
        try await store.recordDelivery(child, for: .trial(number: 0), of: study, sink: "mlflow a")
        try await store.recordDelivery(TrackingDelivery(runID: "other"), for: .trial(number: 0), of: study, sink: "mlflow b")
        var updated = child
        updated.metricsThrough = 43
        try await store.recordDelivery(updated, for: .trial(number: 0), of: study, sink: "mlflow a")
        #expect(try await store.deliveries(of: study, sink: "mlflow a") == [.study: parent, .trial(number: 0): updated])
        #expect(try await store.deliveries(of: study, sink: "mlflow b") == [.trial(number: 0): TrackingDelivery(runID: "other")])
        let reader = try await backend.open(location, readOnly: true)
        await #expect(throws: StudyStoreError.self) {
            try await reader.recordDelivery(parent, for: .study, of: study, sink: "mlflow a")
        }
    }
}
