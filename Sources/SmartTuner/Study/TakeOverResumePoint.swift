import StudyStore

/// Which checkpoint a trial taken over from a dead or silent worker resumes from.
///
/// Not simply the newest good one: a worker killed between writing a checkpoint and recording
/// the validations before it (they travel through the quality analysis and the judge, the
/// checkpoint does not) leaves validations that a run resumed from that checkpoint would never
/// redo, and the trial's value would miss them. A trial killed that way at the very end of its
/// budget would have no validation at all, and count as failed.
enum TakeOverResumePoint {
    /// The newest of `checkpoints` (newest first) that `verifies` and that leaves no validation
    /// unrecorded: no validation step (a multiple of `interval`, or the budget's last step)
    /// lies after the newest recorded validation and at or before the checkpoint's step.
    static func choose(from checkpoints: [StoredCheckpoint], recorded: [Int: Double], interval: Int, budget: Int,
                       verifies: (StoredCheckpoint) -> Bool) -> StoredCheckpoint? {
        let last = recorded.keys.max() ?? 0
        let nextValidation = last >= budget ? Int.max : min((last / max(1, interval) + 1) * max(1, interval), budget)
        return checkpoints.first { $0.step < nextValidation && verifies($0) }
    }
}
