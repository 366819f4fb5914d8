import StudyStore

/// A study as a live view shows it: its report, its stored plan and a row per trial.
/// Reading takes no lock that a running study waits on (the file may be open read-only).
public struct StudyProgress: Sendable {
    /// Counts and the best trial.
    public let report: StudyReport
    /// The configuration that last ran it (steps per trial for progress bars), if stored.
    public let plan: StudyPlan?
    /// Every trial, by number.
    public let rows: [TrialRow]

    /// Whether the study has all its trials finished and none running.
    public var isFinished: Bool { report.isFinished }

    /// Reads study `name` from `store`.
    public static func read(_ name: String, in store: any StudyStore) async throws -> StudyProgress {
        let study = try await store.study(named: name)
        return StudyProgress(report: try await StudyReport.of(study, in: store), plan: StudyPlan(of: study),
                             rows: try await store.trials(of: study).map(TrialRow.init))
    }
}
