import Foundation

/// The child side of the worker protocol: reads a ``TrainRequest`` as the first line of
/// stdin, runs a trainer, writes each event as a JSON line on stdout, and obeys `stop` and
/// `checkpoint` commands arriving on stdin. Used by `smart-tuner worker`.
public enum WorkerSession {
    /// Exit statuses of a worker.
    public enum ExitStatus: Int32 {
        /// The step budget was done (or a stop was obeyed).
        case finished = 0
        /// The trainer failed; a `log` line says how.
        case failed = 1
        /// The first line was not a valid request.
        case badRequest = 2
        /// An injected crash fault.
        case injectedCrash = 3
        /// The memory budget was exceeded.
        case outOfMemory = 4
    }

    /// Runs one incarnation; returns the exit status for the process.
    public static func run(trainer: some Trainer) async -> ExitStatus {
        guard let line = readLine(strippingNewline: true), let data = line.data(using: .utf8),
              let request = try? JSONDecoder().decode(TrainRequest.self, from: data) else {
            write(.log(level: "error", message: "the first line of stdin must be a JSON TrainRequest (see docs/protocol.md)"))
            return .badRequest
        }
        let control = TrainerControl()
        let commands = Thread {
            while let line = readLine(strippingNewline: true) {
                switch WorkerProtocol.decodeCommand(Data(line.utf8)) {
                case .stop: control.requestStop()
                case .checkpoint: control.requestCheckpoint()
                case .pause, .restart: write(.log(level: "warning", message: "ignored a hot-restart command: this worker does not declare hot_restart"))
                case nil: write(.log(level: "warning", message: "ignored an unknown command line"))
                }
            }
        }
        commands.start()
        do {
            try await trainer.train(request, control: control) { write($0) }
            return .finished
        } catch let failure as TrainerFailure {
            write(.log(level: "error", message: failure.description))
            switch failure {
            case .injectedCrash: return .injectedCrash
            case .outOfMemory: return .outOfMemory
            default: return .failed
            }
        } catch {
            write(.log(level: "error", message: String(describing: error)))
            return .failed
        }
    }

    /// Writes one event as a line on stdout (unbuffered, so the parent sees it at once).
    static func write(_ event: TrainingEvent) {
        guard var line = try? WorkerProtocol.encode(event) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(line)
    }
}
