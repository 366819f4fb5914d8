import Foundation
import StudyStore
import Training

/// Which checkpoint a trial taken over from a dead or silent worker resumes from.
///
/// Not simply the newest good one: a worker killed between writing a checkpoint and recording
/// the validations before it (they travel through the quality analysis and the judge, the
/// checkpoint does not) leaves validations that a run resumed from that checkpoint would never
/// redo, and the trial's value would miss them. A trial killed that way at the very end of its
/// budget would have no validation at all, and count as failed.
enum TakeOverResumePoint {
    /// The step before which a resume point leaves no validation unrecorded: the first
    /// validation step (a multiple of `interval`, or the budget's last step) after the newest
    /// recorded validation (no limit when the budget's last validation is recorded).
    static func limit(recorded: [Int: Double], interval: Int, budget: Int) -> Int {
        let last = recorded.keys.max() ?? 0
        return last >= budget ? Int.max : min((last / max(1, interval) + 1) * max(1, interval), budget)
    }

    /// The newest of `checkpoints` that the one rule accepts (``Checkpoint/resumePoint(from:before:matching:)``)
    /// before ``limit(recorded:interval:budget:)``.
    static func choose(from checkpoints: [Checkpoint], recorded: [Int: Double], interval: Int, budget: Int) -> Checkpoint? {
        Checkpoint.resumePoint(from: checkpoints, before: limit(recorded: recorded, interval: interval, budget: budget))
    }

    /// What a take-over on this host could not use: the good checkpoints newer than `chosen`
    /// (before the limit) whose files this host cannot read or whose digest does not verify —
    /// written on another host outside a shared directory, or damaged — in words for the
    /// trial's record; `nil` when the newest usable one was taken.
    static func passedOver(_ checkpoints: [Checkpoint], chosen: Checkpoint?, recorded: [Int: Double], interval: Int, budget: Int) -> String? {
        let limit = limit(recorded: recorded, interval: interval, budget: budget)
        let newer = checkpoints.filter { $0.good && $0.step < limit && $0.step > (chosen?.step ?? -1) }
        guard !newer.isEmpty else { return nil }
        let reasons = newer.sorted { $0.step > $1.step }.map { checkpoint in
            let written = checkpoint.host.map { " written on \($0)" } ?? ""
            let why = FileManager.default.isReadableFile(atPath: checkpoint.path) ? "its SHA-256 does not verify" : "this host cannot read it"
            return "step \(checkpoint.step) (\(checkpoint.path)\(written)): \(why)"
        }
        let resume = chosen.map { "resumes from step \($0.step) (\($0.path))" } ?? "starts from scratch"
        return "newer checkpoints are not usable here — \(reasons.joined(separator: "; ")); it \(resume). "
            + "Put trainer.directory on a directory every host shares to resume where it stopped"
    }
}
