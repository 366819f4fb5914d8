import Foundation
import Integrations

extension Alert {
    /// The alerts a trial event makes (most events make none).
    public static func from(trialID: String, event: TrialEvent) -> Alert? {
        switch event {
        case .started(let generation, _, _) where generation == 0:
            return Alert(.trialStarted, trialID: trialID, title: "Trial \(trialID) started")
        case .failed(let generation, let cause, let evidence):
            return Alert(.trialFailed, trialID: trialID, title: "Trial \(trialID) g\(generation) failed: \(cause.words)",
                         message: evidence.summary, coalescingKey: "failed|\(trialID)|\(cause.rawValue)")
        case .restarted(let generation, let cause, let changes, let checkpoint, _, let kind):
            let diff = changes.isEmpty ? "no parameter changes" : changes.map(\.description).joined(separator: ", ")
            return Alert(.trialRestarted, trialID: trialID, title: "Trial \(trialID) restarted as g\(generation) (\(kind.words)) after \(cause.words)",
                         message: "\(diff); from \(checkpoint.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "scratch")")
        case .firstAlignment(let generation, let step):
            return Alert(.firstAlignment, trialID: trialID, title: "Trial \(trialID) aligned at step \(step) (g\(generation))")
        case .finished(let outcome):
            return Alert(.trialFinished, trialID: trialID, title: "Trial \(trialID) \(outcome.kind)", message: outcome.description)
        case .started, .quality, .checkpoint, .trainerMessage, .visibility:
            return nil
        }
    }
}
