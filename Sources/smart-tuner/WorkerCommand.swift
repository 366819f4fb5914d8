import ArgumentParser
import Foundation
import SmartTuner

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Runs the built-in trainer as a child process speaking the JSON-lines protocol (docs/protocol.md).",
        discussion: "Reads a TrainRequest as the first line of stdin, writes events as JSON lines on stdout, and obeys stop and checkpoint commands on stdin.")

    func run() async throws {
        let trainer = BuiltinTrainer(trap: { abort() }, oomHoldsAllocation: true)
        let status = await WorkerSession.run(trainer: trainer)
        if status != .finished { throw ExitCode(status.rawValue) }
    }
}
