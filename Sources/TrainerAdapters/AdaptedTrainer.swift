import Foundation
import Subprocess
import Training
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a training script that does not speak the worker protocol, by its ``AdapterSettings``:
/// hyperparameters go in as arguments, environment variables or a config file; progress is
/// read from its output lines (ANSI codes removed); checkpoints are found by their file names;
/// a resumed incarnation gets the resume arguments.
///
/// The script knows nothing of the trial's step budget: the adapter asks it to stop (its stop
/// signal, SIGINT by default) when it reports its first step past the budget, so everything it
/// does at the budget's step (a validation, a checkpoint) is read first, and the steps past it
/// are not recorded. A stop requested by the tuner (a prune, convergence) is sent the same way.
/// Any output line counts as a sign of life; a script silent for longer than the heartbeat
/// timeout is a hang. Every restart starts a new process.
public struct AdaptedTrainer: Trainer {
    /// How the script is run and read.
    public let settings: AdapterSettings
    /// Longest silence (no output line) before the script counts as hung.
    public var heartbeatTimeout: Duration
    /// Time between the stop signal and SIGKILL.
    public var terminationGrace: Duration
    /// How often the checkpoint directory is scanned.
    public var scanInterval: Duration = .milliseconds(500)
    /// Longest accepted output line.
    public var maxLineBytes = 1 << 20
    /// Told the script's process id when it starts (for memory sampling).
    public var onLaunch: (@Sendable (Int32) -> Void)?
    /// The command the script runs under so that it ends when the tuner does
    /// (`[smart-tuner, adapter-guard, --]`, ``ScriptGuard``); `nil`: the script runs directly
    /// and would outlive a tuner killed with SIGKILL.
    public var guardCommand: [String]?

    /// Creates an adapter trainer.
    public init(settings: AdapterSettings, heartbeatTimeout: Duration = .seconds(120), terminationGrace: Duration = .seconds(30)) {
        self.settings = settings
        self.heartbeatTimeout = heartbeatTimeout
        self.terminationGrace = terminationGrace
    }

    public var visibility: TrainerVisibility { settings.visibility }

    public func train(_ request: TrainRequest, control: TrainerControl,
                      emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
        let arguments: [String]
        var environment: [String: String] = ["PYTHONUNBUFFERED": "1"]
        let values = settings.values(for: request)
        var directory: FilePath?
        do {
            arguments = try settings.argumentList(for: request)
            for (name, template) in settings.environment { environment[name] = try template.render(values, keyPath: "environment.\(name)") }
            try FileManager.default.createDirectory(atPath: request.checkpointDirectory, withIntermediateDirectories: true)
            if let file = settings.configFile {
                let path = try file.path.render(values, keyPath: "config_file.path")
                try Data(try file.contents.render(values, keyPath: "config_file.contents").utf8).write(to: URL(fileURLWithPath: path))
            }
            if let folder = try settings.workingDirectory?.render(values, keyPath: "working_directory") { directory = FilePath(folder) }
        } catch let error as AdapterSettingError {
            throw TrainerFailure.invalidRequest(error.description)
        } catch {
            throw TrainerFailure.launchFailed("could not prepare the incarnation: \(error)")
        }
        guard let program = arguments.first else { throw TrainerFailure.invalidRequest("the adapter's command is empty") }
        let launched = (guardCommand ?? []) + arguments
        let executable = launched[0]
        var configuration = Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable), arguments: Arguments(Array(launched.dropFirst())),
            environment: .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })),
            workingDirectory: directory)
        // The script (and the guard, and whatever the script starts) in a process group of its
        // own: every signal goes to the group.
        configuration.platformOptions.processGroupID = 0
        configuration.platformOptions.teardownSequence = [
            .send(signal: Signal(rawValue: settings.stopSignal), toProcessGroup: true, allowedDurationToNextStep: terminationGrace),
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1)),
        ]
        let stepBase = settings.resume?.counting == .zero ? (request.resumeStep ?? 0) : 0
        var run = AdaptedRun(settings: settings, request: request, stepBase: stepBase)
        let (lines, feed) = AsyncStream.makeStream(of: AdaptedRun.Input.self)
        let (timeout, grace, scan, maxLine, signal) = (heartbeatTimeout, terminationGrace, scanInterval, maxLineBytes, settings.stopSignal)
        let status: TerminationStatus
        do {
            // The guard's stdin is a pipe held until the script has exited: it ends when the tuner does.
            let result = try await Subprocess.run(configuration, input: .inputWriter, output: .sequence, error: .sequence) { execution in
                self.onLaunch?(Int32(execution.processIdentifier.value))
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await Self.readLines(execution.standardOutput, as: .stdout, maxBytes: maxLine, into: feed) }
                    group.addTask { try await Self.readLines(execution.standardError, as: .stderr, maxBytes: maxLine, into: feed) }
                    let ticker = Task {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: scan)
                            feed.yield(.tick)
                        }
                    }
                    defer { ticker.cancel() }
                    var streamsOpen = 2
                    var lastActivity = ContinuousClock.now
                    for await input in lines {
                        if case .ended = input { streamsOpen -= 1 }
                        if case .line = input { lastActivity = .now }
                        for event in run.take(input, stopRequested: control.stopRequested) { try await emit(event) }
                        if run.wantsStop && !run.stopSent {
                            run.stopSent = true
                            try? execution.send(signal: Signal(rawValue: signal), toProcessGroup: true)
                            Task {
                                try? await Task.sleep(for: grace)
                                try? execution.send(signal: .kill, toProcessGroup: true)
                            }
                        }
                        if case .tick = input, lastActivity.duration(to: .now) > timeout, !run.hung {
                            run.hung = true
                            try? execution.send(signal: .kill, toProcessGroup: true)
                        }
                        if streamsOpen == 0 { break }
                    }
                    try await group.waitForAll()
                }
            }
            status = result.terminationStatus
        } catch {
            throw TrainerFailure.launchFailed("\(program): \(error)")
        }
        for event in run.finish() { try await emit(event) }
        if run.hung { throw TrainerFailure.hang(silentFor: timeout.seconds, lastStep: run.lastStep) }
        if run.stopSent || (status == .exited(0) && run.lastStep >= request.steps) {
            if run.lastStep >= request.steps { try await emit(.finished(step: run.lastStep)) }
            return
        }
        switch status {
        case .exited(0): throw TrainerFailure.endedEarly(lastStep: run.lastStep)
        case .exited(let code): throw TrainerFailure.exited(code: Int32(code), stderr: run.stderrTail)
        case .signaled(let number): throw TrainerFailure.signaled(signal: Int32(number), stderr: run.stderrTail)
        }
    }

    /// Feeds `stream`'s lines into `feed`, then its end.
    private static func readLines(_ stream: SubprocessOutputSequence, as source: AdaptedRun.Source, maxBytes: Int,
                                  into feed: AsyncStream<AdaptedRun.Input>.Continuation) async throws {
        var splitter = LineSplitter(maxBytes: maxBytes)
        defer { feed.yield(.ended(source)) }
        for try await buffer in stream {
            for piece in buffer.withUnsafeBytes({ splitter.feed($0) }) { feed.yield(.line(source, piece)) }
        }
        for piece in splitter.finish() { feed.yield(.line(source, piece)) }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
