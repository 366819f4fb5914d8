import Foundation
import SmartTuner

/// The study page's plots, from the trials as stored.
enum StudyCharts {
    /// Each finished trial's value by trial number (pruned ones hollow), and the best so far.
    static func history(_ trials: [StoredTrial], direction: StudyDirection) -> Chart {
        let finished = trials.filter { $0.value != nil && ($0.state == .complete || $0.state == .pruned) }.sorted { $0.number < $1.number }
        var values = Chart.Series(name: "value", points: [], style: .dots)
        var best = Chart.Series(name: "best so far", points: [])
        var bestValue: Double?
        for trial in finished {
            guard let value = trial.value else { continue }
            if trial.state == .pruned { values.hollow.insert(values.points.count) }
            values.points.append(.init(x: Double(trial.number), y: value,
                                       label: "trial \(trial.number): \(HumanNumber.text(value))\(trial.state == .pruned ? " (pruned)" : "")"))
            if trial.state == .complete, value.isFinite, bestValue.map({ direction == .minimize ? value < $0 : value > $0 }) ?? true {
                bestValue = value
            }
            if let bestValue { best.points.append(.init(x: Double(trial.number), y: bestValue)) }
        }
        return Chart(title: "Optimisation history", xLabel: "trial", yLabel: "value", series: [values, best], integerX: true)
    }

    /// Every trial's intermediate values by step; a pruned trial's last value is a hollow dot.
    static func intermediate(_ trials: [StoredTrial]) -> Chart {
        var series = trials.sorted { $0.number < $1.number }.filter { !$0.intermediate.isEmpty }.map { trial in
            Chart.Series(name: "trial \(trial.number)", points: trial.intermediate.sorted { $0.key < $1.key }.map { .init(x: Double($0.key), y: $0.value) })
        }
        let pruned = trials.filter { $0.state == .pruned }.compactMap { trial in
            trial.intermediate.max { $0.key < $1.key }.map { Chart.Point(x: Double($0.key), y: $0.value, label: "trial \(trial.number) pruned at step \($0.key)") }
        }
        if !pruned.isEmpty { series.append(.init(name: "pruned", points: pruned, style: .dots, hollow: Set(pruned.indices))) }
        return Chart(title: "Intermediate values", xLabel: "step", yLabel: "objective", series: series)
    }

    /// A parameter against the value of the trials that have one (a categorical parameter's
    /// choices by index, named in the title).
    static func parameter(_ parameter: SearchSpace.Parameter, _ trials: [StoredTrial]) -> Chart {
        var logX = false
        var choices: [ParameterValue] = []
        switch parameter.distribution {
        case .float(_, _, let log, _), .int(_, _, let log, _): logX = log
        case .categorical(let values): choices = values
        }
        let points = trials.sorted { $0.number < $1.number }.compactMap { trial -> Chart.Point? in
            guard let value = trial.value, let chosen = trial.parameters[parameter.name] else { return nil }
            let x = choices.isEmpty ? chosen.number : choices.firstIndex(of: chosen).map(Double.init)
            return x.map { Chart.Point(x: $0, y: value, label: "trial \(trial.number): \(parameter.name)=\(chosen), value \(HumanNumber.text(value))") }
        }
        let title = choices.isEmpty ? parameter.name
            : "\(parameter.name) (" + choices.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", ") + ")"
        return Chart(title: title, xLabel: parameter.name, yLabel: "value", series: [.init(name: parameter.name, points: points, style: .dots)], logX: logX)
    }

    /// The restarts over time since the first (in seconds, minutes or hours, whichever reads
    /// best), by trial, one colour per cause.
    static func restartTimeline(_ entries: [StudyPage.RestartEntry]) -> Chart {
        let start = entries.compactMap(\.at).min()
        let span = both(entries.compactMap(\.at).max(), start).map { $0.timeIntervalSince($1) } ?? 0
        let (unit, seconds): (String, Double) = span < 120 ? ("seconds", 1) : span < 7_200 ? ("minutes", 60) : ("hours", 3_600)
        var byCause: [FailureCause: [Chart.Point]] = [:]
        for entry in entries {
            let elapsed = both(entry.at, start).map { $0.timeIntervalSince($1) / seconds } ?? 0
            let changes = entry.restart.changes.map(\.description).joined(separator: ", ")
            byCause[entry.restart.cause, default: []].append(.init(
                x: elapsed, y: Double(entry.trial),
                label: "trial \(entry.trial) g\(entry.restart.generation): \(entry.restart.cause.words)\(changes.isEmpty ? "" : "; \(changes)")"))
        }
        let series = FailureCause.allCases.compactMap { cause in byCause[cause].map { Chart.Series(name: cause.words, points: $0, style: .dots) } }
        return Chart(title: "Restarts over time", xLabel: "\(unit) since the first restart", yLabel: "trial", series: series, integerY: true)
    }
}

/// Both dates, when both are known.
private func both(_ a: Date?, _ b: Date?) -> (Date, Date)? {
    guard let a, let b else { return nil }
    return (a, b)
}
