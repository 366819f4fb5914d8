import Foundation
import TestScratch
import StudyStore

@testable import SmartTuner

/// `smart-tuner optimize` on a study file, killed with SIGKILL mid-study and then run again: the
/// choreography of the kill -9 tests of real trainers (logs `killed.err` and `rerun.err` in the
/// directory). Every wait has a ceiling that fails the test instead of hanging it.
struct KilledTuner {
    /// The study file.
    let config: String
    /// Where the tuner runs and its logs go.
    let directory: String
    /// The study's storage and name.
    let storage: String
    let study: String

    /// What the killed run came to.
    struct Killed {
        /// Whether `ready` held before the tuner ended by itself or the ceiling passed.
        let reached: Bool
        /// The end of the killed tuner's stderr.
        let log: String
        /// Trainer processes still alive when the orphan ceiling passed (0 when none outlived it).
        let survivors: Int
    }

    /// Starts the tuner, reads trial 0 every `poll` until `ready` holds for it (at most
    /// `ceiling`), kills the tuner with SIGKILL, and waits up to `orphanCeiling` for
    /// `survivors()` (the trainer's processes) to reach 0.
    func kill(ceiling: Duration, poll: Duration, orphanCeiling: Duration, survivors: () -> Int,
              ready: (StoredTrial, any StudyStore) async throws -> Bool) async throws -> Killed {
        let victim = try startOptimize(config: config, directory: directory, tag: "killed")
        let deadline = ContinuousClock.now + ceiling
        var reached = false
        while !reached, victim.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: poll)
            guard let store = try? await openStore(storage, readOnly: true), let stored = try? await store.study(named: study),
                  let first = try? await store.trials(of: stored).first(where: { $0.number == 0 }) else { continue }
            reached = (try? await ready(first, store)) ?? false
        }
        Foundation.kill(victim.processIdentifier, SIGKILL)
        await victim.exited()
        let orphanDeadline = ContinuousClock.now + orphanCeiling
        while survivors() > 0, ContinuousClock.now < orphanDeadline { try await Task.sleep(for: .milliseconds(100)) }
        return Killed(reached: reached, log: String(tail(of: "killed.err").suffix(2_000)), survivors: survivors())
    }

    /// Runs the tuner again to its end: its exit status and the end of its stderr.
    func rerun() throws -> (status: Int32, log: String) {
        let process = try startOptimize(config: config, directory: directory, tag: "rerun")
        process.waitForExit()
        return (process.terminationStatus, String(tail(of: "rerun.err").suffix(2_000)))
    }

    private func tail(of log: String) -> String {
        (try? String(contentsOfFile: "\(directory)/\(log)", encoding: .utf8)) ?? ""
    }
}
