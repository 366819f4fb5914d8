import SmartTuner

/// A study as the studies page lists it.
struct StudySummary: Sendable {
    /// Its report (counts by state, best trial, take-overs).
    let report: StudyReport
    /// Smart restarts over all its trials.
    let restarts: Int

    /// running (a trial runs), finished (all its trials are), or waiting (neither).
    var state: String {
        if (report.states["running"] ?? 0) > 0 { return "running" }
        return report.isFinished ? "finished" : "waiting"
    }

    /// The summary of `study`.
    static func of(_ study: StoredStudy, in store: any StudyStore) async throws -> StudySummary {
        let report = try await StudyReport.of(study, in: store)
        let restarts = try await store.trials(of: study).map { TrialRow($0).restarts }.reduce(0, +)
        return StudySummary(report: report, restarts: restarts)
    }
}
