import Foundation

/// A notification for people: a trial started, finished, failed or restarted, a new best,
/// a first alignment, memory pressure, an escalation, the session summary.
public struct Alert: Sendable, Hashable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case trialStarted = "trial_started", trialFinished = "trial_finished", trialFailed = "trial_failed"
        case trialRestarted = "trial_restarted", newBest = "new_best", firstAlignment = "first_alignment"
        case memoryPressure = "memory_pressure", escalation, sessionSummary = "session_summary"
    }

    /// What happened.
    public var kind: Kind
    /// The trial, if the alert is about one.
    public var trialID: String?
    /// One line.
    public var title: String
    /// Details (may be long; sinks split or truncate as their service needs).
    public var message: String
    /// An image to attach where the sink can (the alignment heatmap).
    public var imagePath: String?
    /// Alerts with the same key close together are sent once, with a repeat count.
    public var coalescingKey: String
    /// When it was raised.
    public var time: Date

    /// Creates an alert; the coalescing key defaults to kind, trial and title.
    public init(_ kind: Kind, trialID: String? = nil, title: String, message: String = "", imagePath: String? = nil,
                coalescingKey: String? = nil, time: Date = Date()) {
        self.kind = kind
        self.trialID = trialID
        self.title = title
        self.message = message
        self.imagePath = imagePath
        self.coalescingKey = coalescingKey ?? "\(kind.rawValue)|\(trialID ?? "")|\(title)"
        self.time = time
    }

    /// The alert as text: title, message, and how often it repeated.
    public func text(repeats: Int) -> String {
        var text = title
        if !message.isEmpty { text += "\n" + message }
        if repeats > 1 { text += "\n(×\(repeats))" }
        return text
    }
}
