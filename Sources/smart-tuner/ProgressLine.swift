import Foundation
import SmartTuner

/// A one-line live view of training: rewritten in place on a terminal, a line per validation
/// otherwise.
final class ProgressLine {
    private let enabled: Bool
    private let totalSteps: Int
    private let interactive = isatty(STDOUT_FILENO) != 0
    private var lastStep: StepReport?
    private var lastAlignment: AlignmentMetrics?

    init(enabled: Bool, totalSteps: Int) {
        self.enabled = enabled
        self.totalSteps = totalSteps
    }

    func show(_ event: TrainingRun.Event) {
        guard enabled else { return }
        switch event {
        case .step(let step):
            lastStep = step
            if interactive && step.step % 5 == 0 { render(terminator: "\r") }
        case .validation(_, let metrics):
            lastAlignment = metrics
            render(terminator: interactive ? "\r" : "\n")
        case .checkpoint:
            break
        }
    }

    func finish() {
        if enabled && interactive { print("") }
    }

    private func render(terminator: String) {
        guard let step = lastStep else { return }
        var line = String(format: "step %d/%d  loss %.4f (mel %.4f stop %.4f guided %.4f)  grad %.2f  lr %.1e  %5.0f frames/s",
                          step.step, totalSteps, step.losses.total, step.losses.mel, step.losses.stop, step.losses.guided,
                          step.gradientNorm, step.learningRate, step.framesPerSecond)
        if let a = lastAlignment {
            line += String(format: "  | focus %.3f acc %.3f missing %.3f", a.focusRate, a.accuracy ?? .nan, a.missingTokens)
        }
        print(line, terminator: terminator)
        fflush(nil)
    }
}
