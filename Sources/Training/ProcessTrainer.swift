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
/// as a hang. Malformed or oversized lines are counted and reported, never fatal.
///
/// **Hot restart** (protocol 2): copies of one `ProcessTrainer` share its worker. A worker that
/// declared `hot_restart` outlives an incarnation that failed (it is told to `pause`) or
/// finished (it waits for the tuner); when the trial's restart decider chose a restart in place
/// (``prepareNextIncarnation(inPlace:)``), the next incarnation sends it `restart` instead of
/// starting a process. Every other incarnation starts a fresh process, ending the old one
/// first. Call ``endWorker()`` when the trial ends; a worker that cannot serve again is always
/// reaped before `train` returns.
public struct ProcessTrainer: InPlaceRestartableTrainer {
    /// The program to run: a path, or a bare name (`python3`) looked up in `PATH` as a shell would.
    public var executable: String
    /// Its arguments.
    public var arguments: [String]
    /// Longest silence (no line at all) before the child counts as hung.
    public var heartbeatTimeout: Duration
    /// Time between SIGTERM and SIGKILL when the child must go (and for a worker to exit once
    /// its stdin is closed).
    public var terminationGrace: Duration
    /// Longest accepted line.
    public var maxLineBytes: Int
    /// Told the child's process id at the start of each incarnation (for memory sampling).
    public var onLaunch: (@Sendable (Int32) -> Void)?
    /// Told about each malformed or oversized line.
    public var onProtocolProblem: (@Sendable (String) -> Void)?
    /// Environment variables set for the child (on top of the tuner's own, and
    /// `SMART_TUNER_PROTOCOL`, which tells the Python client it runs under the tuner).
    public var environment: [String: String] = [:]
    private let slot = WorkerSlot()

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
        let (worker, hot) = try await acquireWorker(for: request)
        let staleDirectory = worker.directory
        worker.directory = request.checkpointDirectory
        let watch = IncarnationWatch()
        if let pid = worker.pid { onLaunch?(pid) }
        let (timeout, grace, problem) = (heartbeatTimeout, terminationGrace, onProtocolProblem)
        var exit: TerminationStatus?
        var awaitingRestart = hot
        let watchdog = Task {
            var stopSent = false
            while !Task.isCancelled {
                try? await Task.sleep(for: min(timeout / 4, .milliseconds(100)))
                if control.stopRequested && !stopSent {
                    stopSent = true
                    worker.send(.stop)
                }
                if control.takeCheckpointRequest() { worker.send(.checkpoint) }
                if worker.silence > timeout {
                    watch.markHang()
                    worker.terminate(grace: grace)
                    return
                }
            }
        }
        defer { watchdog.cancel() }
        reading: for await output in worker.outputs {
            switch output {
            case .event(let event):
                if awaitingRestart {
                    // Lines the worker wrote before it obeyed `restart` belong to the failed generation;
                    // the attention files they name are deleted unread.
                    guard case .restarted(let generation, _) = event, generation == request.generation else {
                        if case .validation(let stale) = event, let directory = staleDirectory { stale.attentionFiles?.remove(within: directory) }
                        continue
                    }
                    awaitingRestart = false
                }
                if !hot && !watch.greeted {
                    switch event {
                    case .hello:
                        watch.greet()
                    case .heartbeat, .log:
                        break   // (long start-up work may come before the hello)
                    default:
                        // A report before any hello: the script is read as version 1.
                        watch.greet()
                        try await emit(.log(level: "warning", message: "protocol: the trainer reported before saying hello; it is read as protocol version 1 (send {\"type\": \"hello\", \"protocol\": 2, …} first)"))
                    }
                }
                let delivered = Self.resolvingFiles(event, directory: request.checkpointDirectory)
                watch.record(delivered)
                try await emit(delivered)
                if case .finished = delivered, worker.canRestartInPlace { return }
            case .problem(let text):
                problem?(text)
                try await emit(.log(level: "warning", message: "protocol: \(text)"))
            case .exited(let status):
                exit = status
                break reading
            case .launchFailed(let reason):
                slot.clear(worker)
                throw TrainerFailure.launchFailed(reason)
            }
        }
        guard let exit else {
            // The incarnation was cancelled (a verdict failed it, or its trial is ending): a worker
            // that can restart in place holds still for the decider; any other is ended now.
            if worker.canRestartInPlace && !watch.hung {
                worker.send(.pause)
            } else {
                await slot.end(grace: grace)
            }
            throw CancellationError()
        }
        slot.clear(worker)
        switch exit {
        case .exited(0):
            if watch.finished || control.stopRequested { return }
            throw TrainerFailure.endedEarly(lastStep: watch.lastStep)
        case .exited(let code):
            throw TrainerFailure.exited(code: Int32(code), stderr: worker.stderrTail)
        case .signaled(let signal):
            if watch.hung { throw TrainerFailure.hang(silentFor: timeout.seconds, lastStep: watch.lastStep) }
            throw TrainerFailure.signaled(signal: Int32(signal), stderr: worker.stderrTail)
        }
    }

    /// Whether the trial's next incarnation can run in the live worker: it runs and declared
    /// `hot_restart`.
    public var canRestartInPlace: Bool { slot.canRestartInPlace }

    /// Tells the trainer how the trial's next incarnation starts: in the live worker (a hot
    /// restart), or in a fresh process (the live one is ended first).
    public func prepareNextIncarnation(inPlace: Bool) { slot.prepare(inPlace: inPlace) }

    /// Ends the live worker, if any, and waits until it is reaped (the trial is over).
    public func endWorker() async { await slot.end(grace: terminationGrace) }

    /// The worker of an incarnation, and whether it continues in place.
    private func acquireWorker(for request: TrainRequest) async throws -> (WorkerProcess, hot: Bool) {
        if let live = slot.takeForRestartInPlace() {
            live.send(.restart(request))
            return (live, true)
        }
        await slot.end(grace: terminationGrace)
        var line = Array(try JSONEncoder().encode(request))
        line.append(UInt8(ascii: "\n"))
        var variables = environment
        variables["SMART_TUNER_PROTOCOL"] = String(WorkerProtocol.version)
        var configuration = Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(arguments),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: variables.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })))
        configuration.platformOptions.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: terminationGrace)]
        let worker = WorkerProcess.launch(configuration, firstLine: line, maxLineBytes: maxLineBytes)
        slot.set(worker)
        _ = await worker.launched()
        return (worker, false)
    }

    /// A validation's attention files read (and those inside the checkpoint directory deleted).
    private static func resolvingFiles(_ event: TrainingEvent, directory: String) -> TrainingEvent {
        guard case .validation(let validation) = event, validation.attentionFiles != nil else { return event }
        return .validation(validation.resolvingAttentionFiles(deletingWithin: directory))
    }
}

/// The live worker shared by the copies of one ``ProcessTrainer``, and how the next
/// incarnation is to use it.
final class WorkerSlot: Sendable {
    private let state = Mutex<(worker: WorkerProcess?, inPlace: Bool)>((nil, false))

    deinit {
        // The last copy of the trainer is gone with its worker still running (its owner never
        // called `endWorker`): end it rather than leave it waiting on its stdin.
        if let worker = state.withLock({ $0.worker }) { Task { await worker.end(grace: .seconds(5)) } }
    }

    var canRestartInPlace: Bool { state.withLock { $0.worker?.canRestartInPlace ?? false } }

    func prepare(inPlace: Bool) { state.withLock { $0.inPlace = inPlace } }

    func set(_ worker: WorkerProcess) { state.withLock { $0 = (worker, false) } }

    /// Forgets `worker` (it has ended).
    func clear(_ worker: WorkerProcess) {
        state.withLock { if $0.worker === worker { $0 = (nil, false) } }
    }

    /// The live worker when a restart in place was prepared and it can still do one.
    func takeForRestartInPlace() -> WorkerProcess? {
        state.withLock { state in
            defer { state.inPlace = false }
            guard state.inPlace, let worker = state.worker, worker.canRestartInPlace else { return nil }
            return worker
        }
    }

    /// Ends the live worker, if any, and waits until it is reaped.
    func end(grace: Duration) async {
        let worker = state.withLock { state -> WorkerProcess? in
            defer { state = (nil, false) }
            return state.worker
        }
        await worker?.end(grace: grace)
    }
}

/// What one incarnation saw of its worker.
final class IncarnationWatch: Sendable {
    private let state = Mutex<(lastStep: Int, finished: Bool, hung: Bool, greeted: Bool)>((0, false, false, false))

    func markHang() { state.withLock { $0.hung = true } }
    func greet() { state.withLock { $0.greeted = true } }
    var greeted: Bool { state.withLock { $0.greeted } }

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

    var lastStep: Int { state.withLock { $0.lastStep } }
    var finished: Bool { state.withLock { $0.finished } }
    var hung: Bool { state.withLock { $0.hung } }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
