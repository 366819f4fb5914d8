import Foundation
import Synchronization
import SmartTuner

/// A one-line live view of a supervised training: rewritten in place on a terminal, a line per
/// validation otherwise; restarts and alignment get lines of their own.
final class ProgressLine: Sendable {
    private struct State {
        var step: StepMetrics?
        var generation = 0
        var quality: (focus: Double, accuracy: Double?, aligned: Bool)?
        var lastRender = ContinuousClock.now
    }

    private let enabled: Bool
    private let totalSteps: Int
    private let interactive = isatty(STDOUT_FILENO) != 0
    private let state = Mutex(State())

    init(enabled: Bool, totalSteps: Int) {
        self.enabled = enabled
        self.totalSteps = totalSteps
    }

    func show(_ step: StepMetrics, generation: Int) {
        guard enabled else { return }
        let line = state.withLock { state -> String? in
            state.step = step
            state.generation = generation
            guard interactive, state.lastRender.duration(to: .now) > .milliseconds(200) else { return nil }
            state.lastRender = .now
            return render(state)
        }
        if let line { emit(line, terminator: "\r") }
    }

    func show(_ event: TrialEvent) {
        guard enabled else { return }
        switch event {
        case .quality(_, _, let metrics?, let aligned, _):
            let line = state.withLock { state -> String in
                state.quality = (metrics.focusRate, metrics.accuracy, aligned ?? false)
                return render(state)
            }
            emit(line, terminator: interactive ? "\r" : "\n")
        case .failed, .restarted, .firstAlignment, .started, .trainerMessage, .visibility:
            emit(String(describing: event), terminator: "\n", clear: true)
        case .checkpoint, .finished, .quality:
            break
        }
    }

    func finish() {
        if enabled && interactive { emit("", terminator: "\n") }
    }

    private func render(_ state: State) -> String {
        guard let step = state.step else { return "" }
        var line = String(format: "g%d step %d/%d  loss %.4f  grad %.2f  lr %.1e  %5.0f frames/s", state.generation, step.step,
                          totalSteps, step.totalLoss, step.gradNorm, step.learningRate, step.throughput)
        if let quality = state.quality {
            line += String(format: "  | focus %.3f acc %.3f%@", quality.focus, quality.accuracy ?? Double.nan, quality.aligned ? " aligned" : "")
        }
        return line
    }

    private func emit(_ text: String, terminator: String, clear: Bool = false) {
        let prefix = clear && interactive ? "\u{1B}[2K\r" : ""
        FileHandle.standardOutput.write(Data((prefix + text + terminator).utf8))
    }
}
