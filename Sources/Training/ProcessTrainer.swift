import Foundation
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a trainer in a child process that speaks the JSON-lines protocol (docs/protocol.md):
/// `smart-tuner worker` for the built-in workload, or any training script.
///
/// A trap, an abort or the kernel's OOM killer in the child cannot take the tuner down: they
/// end the child, and its exit status or signal says how. A child silent for longer than the
/// heartbeat timeout is terminated (SIGTERM, then SIGKILL after the grace period) and reported
/// as a hang. Malformed or oversized lines are counted and reported, never fatal. The child is
/// always reaped before `train` returns.
public struct ProcessTrainer: Trainer {
    /// The program to run: a path, or a bare name (`python3`) looked up in `PATH` as a shell would.
    public var executable: String
    /// Its arguments.
    public var arguments: [String]
    /// Longest silence (no line at all) before the child counts as hung.
    public var heartbeatTimeout: Duration
    /// Time between SIGTERM and SIGKILL when the child must go.
    public var terminationGrace: Duration
    /// Longest accepted line.
    public var maxLineBytes: Int
    /// Told the child's process id once it runs (for memory sampling).
    public var onLaunch: (@Sendable (Int32) -> Void)?
    /// Told about each malformed or oversized line.
    public var onProtocolProblem: (@Sendable (String) -> Void)?
    /// Environment variables set for the child (on top of the tuner's own).
    public var environment: [String: String] = [:]

    /// Creates a process trainer.
    public init(executable: String, arguments: [String] = [], heartbeatTimeout: Duration = .seconds(30),
                terminationGrace: Duration = .seconds(5), maxLineBytes: Int = 16 << 20,
                onLaunch: (@Sendable (Int32) -> Void)? = nil, onProtocolProblem: (@Sendable (String) -> Void)? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.heartbeatTimeout = heartbeatTimeout
        self.terminationGrace = terminationGrace
        self.maxLineBytes = maxLineBytes
        self.onLaunch = onLaunch
        self.onProtocolProblem = onProtocolProblem
    }

    public func train(_ request: TrainRequest, control: TrainerControl,
                      emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
        var requestLine = Array(try JSONEncoder().encode(request))
        requestLine.append(UInt8(ascii: "\n"))
        let watch = ProcessWatch()
        var configuration = Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(arguments),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })))
        configuration.platformOptions.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: terminationGrace)]
        let (timeout, grace, maxLine) = (heartbeatTimeout, terminationGrace, maxLineBytes)
        let (launched, problem) = (onLaunch, onProtocolProblem)
        let result: ExecutionResult<Void, SequenceOutput, SequenceOutput>
        do {
            result = try await run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                launched?(Int32(execution.processIdentifier.value))
                _ = try await execution.standardInputWriter.write(requestLine)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await buffer in execution.standardError {
                            buffer.withUnsafeBytes { watch.appendStderr(Array($0)) }
                        }
                    }
                    group.addTask {
                        var stopSent = false
                        while !Task.isCancelled {
                            try await Task.sleep(for: min(timeout / 4, .milliseconds(100)))
                            if control.stopRequested && !stopSent {
                                stopSent = true
                                _ = try? await execution.standardInputWriter.write(Array(WorkerProtocol.encode(.stop)) + [10])
                            }
                            if control.takeCheckpointRequest() {
                                _ = try? await execution.standardInputWriter.write(Array(WorkerProtocol.encode(.checkpoint)) + [10])
                            }
                            if watch.silence > timeout {
                                watch.markHang()
                                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: grace)])
                                return
                            }
                        }
                    }
                    var splitter = LineSplitter(maxBytes: maxLine)
                    for try await buffer in execution.standardOutput {
                        watch.touch()
                        let pieces = buffer.withUnsafeBytes { splitter.feed($0) }
                        try await Self.deliver(pieces, watch: watch, emit: emit, problem: problem)
                    }
                    try await Self.deliver(splitter.finish(), watch: watch, emit: emit, problem: problem)
                    group.cancelAll()
                }
            }
        } catch let error as SubprocessError {
            throw TrainerFailure.launchFailed("\(executable): \(error)")
        }
        switch result.terminationStatus {
        case .exited(0):
            if watch.finished || control.stopRequested { return }
            throw TrainerFailure.endedEarly(lastStep: watch.lastStep)
        case .exited(let code):
            throw TrainerFailure.exited(code: Int32(code), stderr: watch.stderrTail)
        case .signaled(let signal):
            if watch.hung { throw TrainerFailure.hang(silentFor: timeout.seconds, lastStep: watch.lastStep) }
            throw TrainerFailure.signaled(signal: Int32(signal), stderr: watch.stderrTail)
        }
    }

    private static func deliver(_ pieces: [LineSplitter.Piece], watch: ProcessWatch,
                                emit: @Sendable (TrainingEvent) async throws -> Void,
                                problem: (@Sendable (String) -> Void)?) async throws {
        // A line that cannot be read is counted, told to `problem`, and passed on as the
        // trainer's own warning, so that it reaches the trial's record.
        func report(_ text: String) async throws {
            watch.countProblem()
            problem?(text)
            try await emit(.log(level: "warning", message: "protocol: \(text)"))
        }
        for piece in pieces {
            switch piece {
            case .line(let bytes):
                do {
                    let event = try WorkerProtocol.decode(bytes)
                    watch.record(event)
                    try await emit(event)
                } catch let error as WorkerProtocol.DecodingError {
                    try await report("skipped a line that is not a valid event (\(bytes.count) bytes): \(error)")
                }
            case .oversized(let size):
                try await report("skipped an oversized line of at least \(size) bytes")
            }
        }
    }
}

/// What the parent knows about a running child, shared by the reader and the watchdog.
final class ProcessWatch: Sendable {
    private struct State {
        var lastActivity = ContinuousClock.now
        var lastStep = 0
        var finished = false
        var hung = false
        var problems = 0
        var stderr: [UInt8] = []
    }

    private let state = Mutex(State())

    func touch() { state.withLock { $0.lastActivity = .now } }
    func markHang() { state.withLock { $0.hung = true } }
    func countProblem() { state.withLock { $0.problems += 1 } }

    func record(_ event: TrainingEvent) {
        state.withLock { state in
            switch event {
            case .step(let metrics): state.lastStep = metrics.step
            case .heartbeat(let step): state.lastStep = max(state.lastStep, step)
            case .finished: state.finished = true
            default: break
            }
        }
    }

    func appendStderr(_ bytes: [UInt8]) {
        state.withLock { state in
            state.stderr += bytes
            if state.stderr.count > 8_192 { state.stderr.removeFirst(state.stderr.count - 8_192) }
        }
    }

    var silence: Duration { state.withLock { $0.lastActivity.duration(to: .now) } }
    var lastStep: Int { state.withLock { $0.lastStep } }
    var finished: Bool { state.withLock { $0.finished } }
    var hung: Bool { state.withLock { $0.hung } }
    var problems: Int { state.withLock { $0.problems } }
    var stderrTail: String { state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
