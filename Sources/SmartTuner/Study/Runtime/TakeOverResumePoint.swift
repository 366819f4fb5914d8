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
}
