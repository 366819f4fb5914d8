import Foundation
import Logging
import Optimization
import StudyStore
import TensorBoardEvents

/// Feeds a study's TensorBoard folders from the study file (``TensorBoardLayout``): every
/// stored figure as a scalar, each checkpoint's attention heatmap as an image, restarts and
/// outcomes as text, and the HParams dashboard's experiment and sessions. It writes only what
/// the folders do not hold yet, so it can run after every write of a live study and again over
/// a finished one (`smart-tuner track`) without writing anything twice.
public actor TensorBoardProjection: TrackingSink {
    /// What one pass wrote.
    public struct Written: Sendable, Hashable {
        /// Values written (scalars, images, texts, HParams records).
        public var values = 0
        /// What reading the existing files found wrong (corrupt records are not counted as held).
        public var problems: [String] = []
    }

    /// The folders.
    public nonisolated let layout: TensorBoardLayout
    public nonisolated var name: String { "tensorboard" }
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let fileSuffix: String
    private var runs: [String: TensorBoardRun] = [:]
    private var metricsThrough: [Int64: Int64] = [:]
    /// Trials whose end has been written after their last figures: nothing more comes of them.
    private var ended: Set<Int64> = []
    private var problems: [String] = []

    /// The alignment metrics (DESIGN §5 names) the HParams table shows, from each trial's last validation.
    static let tableAlignment = ["focus_rate", "missing_tokens", "back_jump_rate", "stop_error"]

    /// Writes what the folders do not hold yet of `study`.
    public func feed(_ study: StoredStudy, store: any StudyStore) async throws -> TrackingPass {
        let written = try await project(study, store: store)
        return TrackingPass(sent: written.values, problems: written.problems)
    }

    /// Feeds `study`'s folders under `root`; `now` dates the files it starts.
    public init(root: String, study: String, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "smarttuner.tracking.tensorboard")) {
        layout = TensorBoardLayout(root: root, study: study)
        self.now = now
        self.logger = logger
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        fileSuffix = "\(host).smarttuner.\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Writes what the folders do not hold yet of `study`'s trials (all, or those numbered in
    /// `numbers`), then makes it durable.
    /// - Throws: ``EventFileWriter/WriteError`` when a file cannot be written; what the store
    ///   throws when it cannot be read.
    public func project(_ study: StoredStudy, store: any StudyStore, trials numbers: Set<Int>? = nil) async throws -> Written {
        var written = Written()
        let clock = now().timeIntervalSince1970
        let trials = try await store.trials(of: study).filter { numbers?.contains($0.number) ?? true }
        written.values += try experiment(study, wallTime: trials.compactMap { $0.startedAt.flatMap(StoreTime.date) }.min()?.timeIntervalSince1970 ?? clock)
        for trial in trials where trial.state != nil && !ended.contains(trial.id) {
            written.values += try await project(trial, store: store, now: clock)
            if trial.state != .running { ended.insert(trial.id) }
        }
        for run in runs.values { try run.finish() }
        written.problems = problems
        problems = []
        return written
    }

    private func run(_ directory: String) -> TensorBoardRun {
        if let run = runs[directory] { return run }
        let run = TensorBoardRun(directory: directory, fileSuffix: fileSuffix)
        for problem in run.problems { logger.warning("a TensorBoard event file has a problem", metadata: ["folder": "\(directory)", "problem": "\(problem)"]) }
        problems += run.problems.map { "\(directory): \($0)" }
        runs[directory] = run
        return run
    }

    private func experiment(_ study: StoredStudy, wallTime: Double) throws -> Int {
        let parameters = study.definition.space.parameters.map { parameter -> HParamsSummary.Parameter in
            switch parameter.distribution {
            case .float(let low, let high, _, _): return .init(name: parameter.name, domain: .interval(min: low, max: high))
            case .int(let low, let high, _, _): return .init(name: parameter.name, domain: .interval(min: Double(low), max: Double(high)))
            case .categorical(let choices): return .init(name: parameter.name, domain: .discrete(choices.map(Self.hparamsValue)))
            }
        }
        let metrics = [HParamsSummary.Metric(tag: "objective/final", displayName: "objective", validation: true)]
            + Self.tableAlignment.map { HParamsSummary.Metric(tag: "final/\($0)", displayName: $0, validation: true) }
            + [HParamsSummary.Metric(tag: "trial/restarts", displayName: "restarts", validation: false)]
        let summary = HParamsSummary.experiment(name: study.definition.name, description: "SmartTuner study \(study.definition.name)",
                                                parameters: parameters, metrics: metrics, created: wallTime)
        return try run(layout.studyDirectory).append(step: 0, wallTime: wallTime, values: [summary], now: now().timeIntervalSince1970)
    }

    private func project(_ trial: StoredTrial, store: any StudyStore, now: Double) async throws -> Int {
        var count = 0
        let trialRun = run(layout.trialDirectory(trial.number))
        let started = trial.startedAt.flatMap(StoreTime.date)?.timeIntervalSince1970 ?? now
        let values = Dictionary(trial.parameters.map { ($0.key, Self.hparamsValue($0.value)) }) { $1 }
        count += try trialRun.append(step: 0, wallTime: started, values: [
            HParamsSummary.sessionStart(values: values, group: TensorBoardLayout.trialName(trial.number), started: started),
        ], now: now)
        // Restarts, as text at the step of the generation they started.
        let restarts = try await store.restarts(of: trial)
        if restarts.contains(where: { !trialRun.holds("restarts", step: Int64($0.generation)) }) {
            let events = try await store.events(of: trial)
            for restart in restarts {
                let at = events.last { $0.generation == restart.generation && $0.kind.hasPrefix("restarted") }?.at
                count += try trialRun.append(step: Int64(restart.generation), wallTime: at.flatMap(StoreTime.date)?.timeIntervalSince1970 ?? started,
                                             values: [.text(tag: "restarts", markdown: restart.words)], now: now)
            }
        }
        count += try await curves(of: trial, store: store, now: now)
        count += try await heatmaps(of: trial, store: store, now: now)
        guard let state = trial.state, state != .running else { return count }
        let ended = trial.completedAt.flatMap(StoreTime.date)?.timeIntervalSince1970 ?? now
        let step = Int64(trial.lastStep)
        var finals: [SummaryValue] = [.scalar(tag: "trial/restarts", value: Float(restarts.count))]
        if let value = trial.value { finals.append(.scalar(tag: "objective/final", value: Float(value))) }
        for name in Self.tableAlignment { if let value = trial.quality[name] { finals.append(.scalar(tag: "final/\(name)", value: Float(value))) } }
        finals.append(.text(tag: "outcome", markdown: "\(state.rawValue)" + (trial.outcome.map { ": \($0.words)" } ?? "")))
        count += try trialRun.append(step: step, wallTime: ended, values: finals, now: now)
        let status: HParamsSummary.Status = state == .failed ? .failure : .success
        count += try trialRun.append(step: step, wallTime: ended, values: [HParamsSummary.sessionEnd(status: status, ended: ended)], now: now)
        return count
    }

    /// The trial's figures written since the last pass, into their generations' folders.
    private func curves(of trial: StoredTrial, store: any StudyStore, now: Double) async throws -> Int {
        let metrics = try await store.metrics(of: trial, after: metricsThrough[trial.id] ?? 0)
        guard let last = metrics.last?.id else { return 0 }
        var count = 0
        let byStep = Dictionary(grouping: metrics) { StepKey(generation: $0.generation, step: $0.point.step) }
        for key in byStep.keys.sorted(by: { ($0.generation, $0.step) < ($1.generation, $1.step) }) {
            let points = byStep[key] ?? []
            let wallTime = Double(points.map(\.point.timestampMilliseconds).max() ?? 0) / 1000
            count += try run(layout.generationDirectory(trial.number, generation: key.generation))
                .append(step: Int64(key.step), wallTime: wallTime, values: points.map { .scalar(tag: $0.point.name, value: Float($0.point.value)) }, now: now)
        }
        metricsThrough[trial.id] = last
        return count
    }

    /// Each checkpoint's attention heatmap (where its trainer wrote one), at its step.
    private func heatmaps(of trial: StoredTrial, store: any StudyStore, now: Double) async throws -> Int {
        var count = 0
        for checkpoint in try await store.checkpoints(of: trial).reversed() {
            guard let path = checkpoint.heatmap else { continue }
            let run = run(layout.generationDirectory(trial.number, generation: checkpoint.generation))
            guard !run.holds("attention", step: Int64(checkpoint.step)), let image = PNGImage(path: path) else { continue }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)?.timeIntervalSince1970 ?? now
            count += try run.append(step: Int64(checkpoint.step), wallTime: modified,
                                    values: [.image(tag: "attention", png: image.bytes, width: image.width, height: image.height)], now: now)
        }
        return count
    }

    private struct StepKey: Hashable {
        let generation: Int
        let step: Int
    }

    static func hparamsValue(_ value: ParameterValue) -> HParamsSummary.Value {
        switch value {
        case .float(let x): return .number(x)
        case .int(let x): return .number(Double(x))
        case .string(let s): return .text(s)
        }
    }
}
