import Foundation

/// Reading a stored trial summary (the JSON of ``TrialSummary``).
enum TrialDetails {
    /// The alignment metrics and objective of a summary, by DESIGN §5 name.
    static func metrics(fromSummary json: String?) -> [String: Double] {
        guard let json, let summary = try? JSONDecoder().decode(TrialSummary.self, from: Data(json.utf8)) else { return [:] }
        return metrics(of: summary)
    }

    /// What the trainer of a summary's trial could not see, with what follows from it
    /// (``TrialSummary/unseen``); empty for a summary that cannot be read.
    static func unseen(fromSummary json: String?) -> [String] {
        guard let json, let summary = try? JSONDecoder().decode(TrialSummary.self, from: Data(json.utf8)) else { return [] }
        return summary.unseen
    }

    /// The alignment metrics and objective of a summary, by DESIGN §5 name.
    static func metrics(of summary: TrialSummary) -> [String: Double] {
        var metrics = summary.alignment?.named ?? [:]
        if let objective = summary.objective { metrics["objective"] = objective }
        if let first = summary.firstAlignedStep { metrics["first_aligned_step"] = Double(first) }
        metrics["steps"] = Double(summary.steps)
        metrics["restarts"] = Double(summary.restarts.count)
        return metrics
    }
}
