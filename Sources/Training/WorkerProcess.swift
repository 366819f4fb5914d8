import AsyncAlgorithms
import Foundation
import Subprocess
import Synchronization

/// What a running worker produced, in the order it produced it.
enum WorkerOutput: Sendable {
    /// An event line.
    case event(TrainingEvent)
    /// A line that could not be read (malformed, unknown type, oversized).
    case problem(String)
    /// The process ended; nothing follows.
    case exited(TerminationStatus)
    /// The process could not be started; nothing follows.
    case launchFailed(String)
}

/// One child process of a ``ProcessTrainer``. A worker that declared `hot_restart` serves
/// several incarnations of its trial; any other serves one.
///
/// Its stdout is read by its own task into ``outputs``, a channel with back-pressure: when no
/// incarnation consumes (between a failure and a hot restart), reading stops and the worker
/// blocks on its pipe rather than the tuner buffering without limit. Its stdin is written only
/// by that task, in the order of ``send(_:)``.
final class WorkerProcess: Sendable {
    /// What the worker produces.
    let outputs = AsyncChannel<WorkerOutput>()

    private enum Control: Sendable {
        case line([UInt8])
        case closeInput
        case terminate(Duration)
    }

    private struct State {
        var pid: Int32?
        var hello: WorkerHello?
        var lastActivity = ContinuousClock.now
        var stderr: [UInt8] = []
        var ended = false
        var directory: String?
    }

    private let state = Mutex(State())
    private let controls: AsyncStream<Control>.Continuation
    private let controlStream: AsyncStream<Control>
    private let reader = Mutex<Task<Void, Never>?>(nil)
    private let startup: AsyncStream<Int32?>
    private let started: AsyncStream<Int32?>.Continuation

    private init() {
        (controlStream, controls) = AsyncStream.makeStream(of: Control.self)
        (startup, started) = AsyncStream.makeStream(of: Int32?.self)
    }

    /// Waits until the process runs (its id) or could not be started (`nil`). Call once.
    func launched() async -> Int32? {
        for await pid in startup { return pid }
        return pid
    }

    /// Starts `configuration` and writes `firstLine` (the request) to its stdin.
    static func launch(_ configuration: Configuration, firstLine: [UInt8], maxLineBytes: Int) -> WorkerProcess {
        let worker = WorkerProcess()
        worker.reader.withLock { $0 = Task { await worker.read(configuration, firstLine: firstLine, maxLineBytes: maxLineBytes) } }
        return worker
    }

    /// The process id once it runs.
    var pid: Int32? { state.withLock { $0.pid } }
    /// What it said in its `hello`, once it has.
    var hello: WorkerHello? { state.withLock { $0.hello } }
    /// Whether its output has ended (it exited or is exiting).
    var ended: Bool { state.withLock { $0.ended } }
    /// Time since its last output.
    var silence: Duration { state.withLock { $0.lastActivity.duration(to: .now) } }
    /// The last 8 KiB of its stderr.
    var stderrTail: String { state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }
    /// The checkpoint directory of the incarnation it serves (its attention files live there).
    var directory: String? {
        get { state.withLock { $0.directory } }
        set { state.withLock { $0.directory = newValue } }
    }

    /// Whether it runs and can restart in place.
    var canRestartInPlace: Bool {
        state.withLock { !$0.ended && $0.hello?.capabilities.contains(.hotRestart) == true }
    }

    /// Writes a command line to its stdin.
    func send(_ command: WorkerProtocol.Command) {
        controls.yield(.line(Array(WorkerProtocol.encode(command)) + [UInt8(ascii: "\n")]))
    }

    /// SIGTERM, then SIGKILL after `grace`; its output then ends with `.exited`.
    func terminate(grace: Duration) {
        controls.yield(.terminate(grace))
    }

    /// Ends the worker and waits until it is reaped: closes its stdin (a protocol-2 worker
    /// exits when its stdin ends), terminates it if it is still running after `grace`, and
    /// discards what it still writes. Never cancelled by the caller's cancellation.
    func end(grace: Duration) async {
        await Task {
            controls.yield(.closeInput)
            let deadline = ContinuousClock.now + grace
            let timer = Task {
                try? await Task.sleep(until: deadline)
                if !Task.isCancelled { self.terminate(grace: grace) }
            }
            for await output in outputs {
                if case .exited = output { break }
                if case .launchFailed = output { break }
            }
            timer.cancel()
            let reading = reader.withLock { $0 }
            await reading?.value
        }.value
    }

    private func read(_ configuration: Configuration, firstLine: [UInt8], maxLineBytes: Int) async {
        let controlStream = self.controlStream
        let bodyRan = Mutex(false)   // (a failure after the body ran is not a launch failure)
        do {
            let result = try await run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                bodyRan.withLock { $0 = true }
                let pid = Int32(execution.processIdentifier.value)
                self.state.withLock { $0.pid = pid }
                self.started.yield(pid)
                self.started.finish()
                _ = try? await execution.standardInputWriter.write(firstLine)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await buffer in execution.standardError {
                            buffer.withUnsafeBytes { bytes in self.appendStderr(bytes) }
                        }
                    }
                    group.addTask {
                        for await control in controlStream {
                            switch control {
                            case .line(let bytes): _ = try? await execution.standardInputWriter.write(bytes)
                            case .closeInput: try? await execution.standardInputWriter.finish()
                            case .terminate(let grace):
                                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: grace)])
                            }
                        }
                    }
                    var splitter = LineSplitter(maxBytes: maxLineBytes)
                    for try await buffer in execution.standardOutput {
                        self.state.withLock { $0.lastActivity = .now }
                        for piece in buffer.withUnsafeBytes({ splitter.feed($0) }) { await self.deliver(piece) }
                    }
                    for piece in splitter.finish() { await self.deliver(piece) }
                    self.state.withLock { $0.ended = true }
                    group.cancelAll()
                }
            }
            state.withLock { $0.ended = true }
            await outputs.send(.exited(result.terminationStatus))
        } catch {
            state.withLock { $0.ended = true }
            // Tell a waiting `launched()` first: the channel's send waits for a reader.
            self.started.yield(nil)
            self.started.finish()
            let launched = bodyRan.withLock { $0 }
            await outputs.send(launched ? .exited(.exited(-1)) : .launchFailed("\(configuration.executable): \(error)"))
        }
        self.started.yield(nil)
        self.started.finish()
        controls.finish()
        outputs.finish()
    }

    private func deliver(_ piece: LineSplitter.Piece) async {
        switch piece {
        case .line(let bytes):
            do {
                let event = try WorkerProtocol.decode(bytes)
                if case .hello(let hello) = event { state.withLock { $0.hello = hello } }
                await outputs.send(.event(event))
            } catch {
                await outputs.send(.problem("skipped a line that is not a valid event (\(bytes.count) bytes): \(error)"))
            }
        case .oversized(let size):
            await outputs.send(.problem("skipped an oversized line of at least \(size) bytes"))
        }
    }

    private func appendStderr(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            state.stderr += bytes
            if state.stderr.count > 8_192 { state.stderr.removeFirst(state.stderr.count - 8_192) }
        }
    }
}
