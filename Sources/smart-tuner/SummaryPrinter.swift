import Foundation
import SmartTuner

/// The end-of-training summary, for people.
enum SummaryPrinter {
    static func print(_ summary: TrialSummary) {
        Swift.print("Outcome: \(summary.outcomeDescription); \(summary.steps) steps, \(summary.restarts.count) restart(s)")
        for restart in summary.restarts {
            let changes = restart.changes.isEmpty ? "no parameter changes" : restart.changes.map(\.description).joined(separator: ", ")
            let from = restart.checkpoint.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "scratch"
            Swift.print("  g\(restart.generation) after \(restart.cause.rawValue) (\(restart.evidence)): \(changes); from \(from)")
        }
        if let a = summary.alignment {
            Swift.print(String(format: "alignment: focus_rate %.3f  accuracy %.3f  missing_tokens %.3f  back_jump_rate %.3f  diagonality %.3f  stop_error %.3f%@",
                               a.focusRate, a.accuracy ?? .nan, a.missingTokens, a.backJumpRate, a.diagonality, a.stopError ?? .nan,
                               summary.aligned == true ? "  (aligned)" : "  (not aligned)"))
        }
        if let objective = summary.objective { Swift.print(String(format: "objective: %.4f", objective)) }
        if let checkpoint = summary.checkpoint { Swift.print("checkpoint: \(checkpoint)") }
    }
}
