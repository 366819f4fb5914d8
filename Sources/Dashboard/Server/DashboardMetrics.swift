import Foundation
import Prometheus
import SmartTuner

/// `/metrics` in Prometheus's text format, filled from the store on each scrape:
/// `smarttuner_trials{study,state}`, `smarttuner_restarts{study,cause}` and
/// `smarttuner_trial_steps_per_second{study,trial}` for each running trial (from the times its
/// figures were recorded, over the last minute of its current generation). A series whose
/// trial stopped running is removed, not left at its last value.
actor DashboardMetrics {
    let registry = PrometheusCollectorRegistry()
    private var gauges: [String: Gauge] = [:]
    /// Per running trial: where its figures were read up to, and (step, time) of the last minute.
    private var rates: [Int64: (cursor: Int64, generation: Int, samples: [(step: Int, milliseconds: Int64)])] = [:]
    /// How far back a trial's speed is measured.
    static let window: Int64 = 60_000

    /// Reads the store and returns the text Prometheus scrapes.
    func scrape(_ store: any StudyStore) async throws -> String {
        var seen = Set<String>()
        var running = Set<Int64>()
        for name in try await store.studyNames() {
            let study = try await store.study(named: name)
            let trials = try await store.trials(of: study)
            for state in ["running", "complete", "pruned", "failed"] {
                set("trials", unit: "", ["study": name, "state": state], Double(trials.filter { ($0.state?.rawValue ?? "waiting") == state }.count),
                    help: "Trials of a study by state", seen: &seen)
            }
            var causes: [FailureCause: Int] = [:]
            for trial in trials where TrialRow(trial).restarts > 0 {
                for restart in try await store.restarts(of: trial) { causes[restart.cause, default: 0] += 1 }
            }
            for cause in FailureCause.allCases {
                set("restarts", unit: "", ["study": name, "cause": cause.rawValue], Double(causes[cause] ?? 0),
                    help: "Smart restarts of a study's trials by cause", seen: &seen)
            }
            for trial in trials where trial.state == .running {
                running.insert(trial.id)
                if let speed = try await stepsPerSecond(trial, store) {
                    set("trial_steps", unit: "per_second", ["study": name, "trial": "\(trial.number)"], speed,
                        help: "Training steps per second of a running trial over the last minute", seen: &seen)
                }
            }
        }
        for (key, gauge) in gauges where !seen.contains(key) {
            registry.unregisterGauge(gauge)
            gauges[key] = nil
        }
        rates = rates.filter { running.contains($0.key) }
        return registry.emitToString()
    }

    private func stepsPerSecond(_ trial: StoredTrial, _ store: any StudyStore) async throws -> Double? {
        var entry = rates[trial.id] ?? (cursor: 0, generation: trial.generation, samples: [])
        if entry.generation != trial.generation { entry = (cursor: entry.cursor, generation: trial.generation, samples: []) }
        for metric in try await store.metrics(of: trial, after: entry.cursor) {
            entry.cursor = max(entry.cursor, metric.id)
            guard metric.generation == trial.generation else { continue }
            if let last = entry.samples.last, last.step >= metric.point.step { continue }
            entry.samples.append((metric.point.step, metric.point.timestampMilliseconds))
        }
        if let newest = entry.samples.last?.milliseconds { entry.samples.removeAll { newest - $0.milliseconds > Self.window } }
        rates[trial.id] = entry
        guard let first = entry.samples.first, let last = entry.samples.last, last.milliseconds > first.milliseconds else { return nil }
        return Double(last.step - first.step) / (Double(last.milliseconds - first.milliseconds) / 1_000)
    }

    /// Sets gauge `smarttuner_<name>[_<unit>]{labels}`, making it the first time.
    private func set(_ name: String, unit: String, _ labels: [String: String], _ value: Double, help: String, seen: inout Set<String>) {
        let pairs = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let key = name + unit + pairs.map { "|\($0.0)=\($0.1)" }.joined()
        seen.insert(key)
        let gauge = gauges[key] ?? registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "smarttuner", metricName: name, unitName: unit, helpText: help), labels: pairs)
        gauges[key] = gauge
        gauge.set(value)
    }
}
