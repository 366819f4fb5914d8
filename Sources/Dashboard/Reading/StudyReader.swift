import Foundation
import SmartTuner

/// What the pages read from the store, through the storage protocol only (so SQLite and
/// PostgreSQL alike), with the 404s a reader of a wrong address gets.
struct StudyReader: Sendable {
    let store: any StudyStore

    /// Every study, in creation order.
    func summaries() async throws -> [StudySummary] {
        var summaries: [StudySummary] = []
        for name in try await store.studyNames() {
            summaries.append(try await StudySummary.of(try await store.study(named: name), in: store))
        }
        return summaries
    }

    /// The study named `name`.
    /// - Throws: ``DashboardError/notFound(_:)`` naming the studies there are.
    func study(named name: String) async throws -> StoredStudy {
        do {
            return try await store.study(named: name)
        } catch StudyStoreError.noSuchStudy(_, let available) {
            throw DashboardError.notFound("There is no study '\(name)' here; the studies are: "
                                          + (available.isEmpty ? "none yet" : available.joined(separator: ", ")) + ".")
        }
    }

    /// What the study page shows.
    func studyContents(_ study: StoredStudy) async throws -> StudyPage.Contents {
        let trials = try await store.trials(of: study)
        var restarts: [StudyPage.RestartEntry] = []
        for trial in trials where TrialRow(trial).restarts > 0 {
            let starts = try await generationStarts(of: trial)
            for restart in try await store.restarts(of: trial) {
                restarts.append(.init(trial: trial.number, restart: restart, at: starts[restart.generation]))
            }
        }
        restarts.sort { ($0.at ?? .distantFuture, $0.trial) < ($1.at ?? .distantFuture, $1.trial) }
        let summary = try await StudySummary.of(study, in: store)
        return StudyPage.Contents(study: study, summary: summary, trials: trials, restarts: restarts)
    }

    /// Trial `number` of `study`.
    /// - Throws: ``DashboardError/notFound(_:)`` saying which numbers the study has.
    func trial(_ number: Int, of study: StoredStudy) async throws -> StoredTrial {
        let trials = try await store.trials(of: study)
        guard let trial = trials.first(where: { $0.number == number }) else {
            throw DashboardError.notFound("Study '\(study.definition.name)' has no trial \(number)"
                                          + (trials.isEmpty ? "; it has none yet." : "; its trials are 0–\(trials.map(\.number).max() ?? 0)."))
        }
        return trial
    }

    /// What the trial page shows.
    func trialContents(_ trial: StoredTrial, of study: StoredStudy) async throws -> TrialPage.Contents {
        let models = try await store.models(named: nil).filter { $0.study == study.definition.name && $0.trial == trial.number }
        return TrialPage.Contents(study: study, trial: trial, events: try await store.events(of: trial),
                                  checkpoints: try await store.checkpoints(of: trial), restarts: try await store.restarts(of: trial),
                                  metrics: try await store.metrics(of: trial, after: 0), models: models)
    }

    /// When each generation of `trial` began: its first recorded event.
    private func generationStarts(of trial: StoredTrial) async throws -> [Int: Date] {
        var starts: [Int: Date] = [:]
        for event in try await store.events(of: trial) where starts[event.generation] == nil {
            starts[event.generation] = StoreTime.date(event.at)
        }
        return starts
    }
}
