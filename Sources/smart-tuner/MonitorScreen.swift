import Foundation
import SmartTuner

/// Renders a study's progress as text: a header, then a row per running trial with a progress
/// bar, then the newest finished trials.
enum MonitorScreen {
    static func render(_ progress: StudyProgress, finishedRows: Int) -> String {
        let report = progress.report
        let states = report.states
        var lines = ["Study \(report.study) (\(report.storage))",
                     "\(report.finished)/\(report.target) finished: \(states["complete"] ?? 0) complete, \(states["pruned"] ?? 0) pruned, " +
                     "\(states["failed"] ?? 0) failed; \(states["running"] ?? 0) running" +
                     (report.takeOvers > 0 ? "; \(report.takeOvers) taken over" : "") + (progress.isFinished ? "  (done)" : "")]
        if let best = report.best {
            lines.append("Best: trial \(best.number), value \(number(best.value))" + alignment(best.metrics))
        }
        lines.append("")
        lines.append("   #  state      step               progress                 objective   focus  missing  back-jump  restarts")
        let running = progress.rows.filter { $0.state == "running" }
        let ended = progress.rows.filter { $0.state != "running" && $0.state != "waiting" }.suffix(finishedRows)
        for row in running + ended {
            let steps = progress.plan?.steps
            let stepText = steps.map { "\(row.step)/\($0)" } ?? "\(row.step)"
            let bar = row.state == "running" ? progressBar(step: row.step, of: steps) : String(repeating: " ", count: 24)
            let focus = row.metrics["focus_rate"].map { String(format: "%.3f", $0) } ?? "-"
            let missing = row.metrics["missing_tokens"].map { String(format: "%.3f", $0) } ?? "-"
            let backJump = row.metrics["back_jump_rate"].map { String(format: "%.3f", $0) } ?? "-"
            lines.append(String(format: "%4d  ", row.number) + pad(row.state, 9) + "  " + pad(stepText, 17) + "  " + bar + "  " +
                         pad(row.objective.map(number) ?? "-", 10) + "  " + pad(focus, 5) + "  " + pad(missing, 7) + "  " +
                         pad(backJump, 9) + "  " + "\(row.restarts)" + (row.interruptions > 0 ? " (+\(row.interruptions) take-over)" : ""))
        }
        if running.isEmpty && ended.isEmpty { lines.append("   (no trials yet)") }
        return lines.joined(separator: "\n")
    }

    /// The wall-clock line shown above an interactive frame.
    static func clock(_ now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: now)
    }

    /// `[##########..........]  50%`, or the bare step when the plan is unknown.
    static func progressBar(step: Int, of total: Int?, width: Int = 16) -> String {
        guard let total, total > 0 else { return String(repeating: " ", count: width + 8) }
        let fraction = min(1, max(0, Double(step) / Double(total)))
        let filled = Int((fraction * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]" +
            String(format: " %4.0f%%", fraction * 100) + " "
    }

    private static func alignment(_ metrics: [String: Double]) -> String {
        let names = ["focus_rate", "missing_tokens", "back_jump_rate", "accuracy"]
        let parts = names.compactMap { name in metrics[name].map { "\(name) \(String(format: "%.3f", $0))" } }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: ", ")
    }

    private static func number(_ value: Double) -> String { String(format: "%.5g", value) }

    private static func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
}
