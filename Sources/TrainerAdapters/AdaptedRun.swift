import Training

/// What one incarnation of an adapted script has shown so far: its output read line by line
/// (one ``ProgressReader`` per stream, so that a block on stderr is not cut by a stdout line),
/// its checkpoints, the budget, and the problems counted. Fed by one loop, so it needs no lock.
struct AdaptedRun: Sendable {
    /// A stream of the script.
    enum Source: Sendable { case stdout, stderr }

    /// One thing the loop reacts to.
    enum Input: Sendable {
        case line(Source, LineSplitter.Piece)
        case ended(Source)
        case tick
    }

    let settings: AdapterSettings
    let request: TrainRequest
    private var readers: [ProgressReader]
    private var checkpoints: CheckpointWatch?
    private var tensorboard: TensorBoardProgress?
    private var lines = 0
    private var problems = 0
    private var checkpointSeen = false
    private var learningRateChecked = false
    private var matchedTensorBoard = false
    private var stderrLines: [String] = []
    /// The last step recorded (the trial's steps).
    private(set) var lastStep: Int
    /// Whether the script should be asked to stop (it passed the budget, or the tuner asked).
    private(set) var wantsStop = false
    /// Whether it was asked.
    var stopSent = false
    /// Whether it was found silent for too long and killed.
    var hung = false

    /// Problems reported one by one before they are only counted.
    static let reportedProblems = 20

    init(settings: AdapterSettings, request: TrainRequest, stepBase: Int) {
        self.settings = settings
        self.request = request
        readers = [ProgressReader(settings: settings.progress, stepBase: stepBase), ProgressReader(settings: settings.progress, stepBase: stepBase)]
        checkpoints = settings.checkpoints.map { CheckpointWatch(pattern: $0, directory: request.checkpointDirectory, stepBase: stepBase) }
        lastStep = request.resumeStep ?? 0
        if let board = settings.progress.tensorboard {
            let folder = (try? board.directory?.render(settings.values(for: request), keyPath: "progress.tensorboard.directory")) ?? request.checkpointDirectory
            tensorboard = TensorBoardProgress(settings: board, directory: folder, roles: settings.progress.roles, stepBase: stepBase)
        }
    }

    /// The events `input` makes.
    mutating func take(_ input: Input, stopRequested: Bool) -> [TrainingEvent] {
        if stopRequested { wantsStop = true }
        switch input {
        case .line(let source, .line(let bytes)):
            lines += 1
            let line = ANSIText.strip(String(decoding: bytes, as: UTF8.self))
            if source == .stderr {
                stderrLines.append(line)
                if stderrLines.count > 12 { stderrLines.removeFirst() }
            }
            guard reads(source) else { return [.heartbeat(step: lastStep)] }
            let index = source == .stdout ? 0 : 1
            return readings(readers[index].read(line)) + [.heartbeat(step: lastStep)]
        case .line(let source, .oversized(let size)):
            return problem("skipped an output line of at least \(size) bytes on \(source)")
        case .ended(let source):
            return readings(readers[source == .stdout ? 0 : 1].finish())
        case .tick:
            return pollTensorBoard(final: false) + scanCheckpoints(final: false)
        }
    }

    /// What is left once the script has exited: open blocks, the last checkpoints, and a
    /// warning when no line ever matched.
    mutating func finish() -> [TrainingEvent] {
        var events = readings(readers[0].finish()) + readings(readers[1].finish()) + pollTensorBoard(final: true)
        events += scanCheckpoints(final: true)
        if readers.allSatisfy({ $0.matchedLines == 0 }), !matchedTensorBoard, lines > 0 {
            events.append(.log(level: "warning", message: "adapter: none of the script's \(lines) output lines matched a progress rule "
                + "(\(settings.progress.stepLines.map(\.source) + settings.progress.blocks.map(\.header.source))); check trainer.adapter.progress against its output"))
        }
        if let pattern = settings.checkpoints, !checkpointSeen, request.checkpointInterval > 0,
           lastStep - (request.resumeStep ?? 0) >= request.checkpointInterval {
            events.append(.log(level: "warning", message: "adapter: no file matching checkpoints.pattern '\(pattern.text)' appeared under \(request.checkpointDirectory) "
                + "(searched \(pattern.depth) folders down); restarts of this incarnation start from an earlier checkpoint or from scratch"))
        }
        if problems > Self.reportedProblems {
            events.append(.log(level: "warning", message: "adapter: \(problems) output lines matched a progress rule but could not be read (the first \(Self.reportedProblems) were reported)"))
        }
        return events
    }

    /// The last stderr lines (for a failure's evidence).
    var stderrTail: String { stderrLines.joined(separator: "\n") }

    private func reads(_ source: Source) -> Bool {
        switch settings.progress.stream {
        case .both: return true
        case .stdout: return source == .stdout
        case .stderr: return source == .stderr
        }
    }

    private mutating func readings(_ readings: [ProgressReader.Reading]) -> [TrainingEvent] {
        var events: [TrainingEvent] = []
        for reading in readings {
            switch reading {
            case .step(let metrics):
                if metrics.step > request.steps {
                    wantsStop = true
                } else if metrics.step > lastStep {
                    lastStep = metrics.step
                    events += checkLearningRate(metrics)
                    for index in readers.indices { readers[index].noteStep(metrics.step) }
                    events.append(.step(metrics))
                }
            case .validation(let metrics):
                if metrics.step <= request.steps, metrics.step > (request.resumeStep ?? 0) { events.append(.validation(metrics)) }
            case .problem(let text):
                events += problem(text)
            }
        }
        return events
    }

    /// The first learning rate the script prints, read back against the one requested: a
    /// hyperparameter that did not reach the optimizer (an override the script ignores) is said
    /// once, in the record.
    private mutating func checkLearningRate(_ metrics: StepMetrics) -> [TrainingEvent] {
        guard !learningRateChecked, settings.progress.names(.learningRate), metrics.learningRate != 0,
              let requested = request.hyperparameters["learning_rate"] else { return [] }
        learningRateChecked = true
        guard abs(metrics.learningRate - requested) > 1e-6 * abs(requested) else { return [] }
        return [.log(level: "warning", message: "adapter: the script printed learning rate \(metrics.learningRate) at step \(metrics.step), not the requested \(requested): "
            + "the value did not reach its optimizer (or a scheduler's warm-up changes it); pass it another way (arguments, environment or config_file, docs/adapters.md)")]
    }

    private mutating func problem(_ text: String) -> [TrainingEvent] {
        problems += 1
        return problems <= Self.reportedProblems ? [.log(level: "warning", message: "adapter: \(text)")] : []
    }

    /// A checkpoint within the budget (one written past it, at the stop, holds steps that were
    /// not recorded).
    private mutating func pollTensorBoard(final: Bool) -> [TrainingEvent] {
        guard var board = tensorboard else { return [] }
        let (found, problems) = board.poll(final: final)
        tensorboard = board
        if !found.isEmpty { matchedTensorBoard = true }
        return readings(found) + problems.flatMap { problem("TensorBoard: \($0)") }
    }

    private mutating func scanCheckpoints(final: Bool) -> [TrainingEvent] {
        guard let found = checkpoints?.scan(final: final), !found.isEmpty else { return [] }
        checkpointSeen = true
        return found.filter { $0.step <= request.steps }.map { .checkpoint($0) }
    }
}
