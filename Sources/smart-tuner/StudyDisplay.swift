import Foundation
import SmartTuner

/// Prints a line per trial milestone of a running study.
struct StudyDisplay: Sendable {
    let enabled: Bool
    let steps: Int

    func show(_ event: StudyEvent) {
        guard enabled else { return }
        let line: String?
        switch event {
        case .trialStarted(let number, let parameters, let generation, let resumed, let takenOver):
            let values = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.short($0.value))" }.joined(separator: " ")
            line = takenOver ? "trial \(number): taken over at generation \(generation)" + (resumed.map { " from \($0)" } ?? " from scratch")
                : "trial \(number): started  \(values)"
        case .trial(let number, let event):
            switch event {
            case .restarted, .failed, .firstAlignment, .trainerMessage: line = "trial \(number): \(event.description)"
            default: line = nil
            }
        case .trialFinished(let number, let outcome, let value, let newBest):
            line = "trial \(number): \(outcome.outcomeKind.words)" + (value.map { "  value \(Self.short(.float($0)))" } ?? "") + (newBest ? "  ★ new best" : "")
        case .trialSuperseded(let number):
            line = "trial \(number): taken over by another worker meanwhile; this run's result is dropped"
        case .trialReleased(let number):
            line = "trial \(number): left running; the next run resumes it"
        case .step:
            line = nil
        }
        if let line { print(line) }
        fflush(nil)  // all output streams: each milestone shows at once when piped
    }

    static func short(_ value: ParameterValue) -> String {
        guard case .float(let x) = value else { return value.description }
        return HumanNumber.text(x)
    }
}

/// Prints a study report for people.
enum ReportPrinter {
    static func print(_ report: StudyReport) {
        let states = ["complete", "pruned", "failed", "running"].map { "\(report.states[$0] ?? 0) \($0)" }.joined(separator: ", ")
        Swift.print("\nStudy \(report.study) (\(report.storage)): \(states) of \(report.target)" +
                    (report.takeOvers > 0 ? "; \(report.takeOvers) take-over(s) of trials whose worker stopped or died" : ""))
        if !report.unseen.isEmpty {
            Swift.print("What the trainer could not see (the judge used only what it had):")
            for line in report.unseen { Swift.print("  - \(line)") }
        }
        guard let best = report.best else {
            Swift.print("No complete trial yet.")
            return
        }
        Swift.print("Best trial \(best.number): value \(HumanNumber.text(best.value))")
        Swift.print("  parameters: " + best.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        let names = ["focus_rate", "missing_tokens", "back_jump_rate", "accuracy", "coverage", "diagonality", "stop_error", "first_aligned_step", "steps", "restarts"]
        let metrics = names.compactMap { name in best.metrics[name].map { "\(name) \(HumanNumber.text($0))" } }
        if !metrics.isEmpty { Swift.print("  alignment: " + metrics.joined(separator: ", ")) }
        if let checkpoint = best.checkpoint { Swift.print("  checkpoint: \(checkpoint)") }
    }
}
