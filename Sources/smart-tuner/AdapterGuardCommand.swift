import ArgumentParser
import Foundation
import TrainerAdapters

struct AdapterGuardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter-guard",
        abstract: "Runs an unmodified training script so that it ends when the tuner does (used by trainer.type: adapter).",
        discussion: "Kills the script's process group when this command's stdin ends; exits with the script's status.",
        shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The command to run, after --.") var command: [String] = []

    func run() async throws {
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        let status = await ScriptGuard.run(arguments)
        throw ExitCode(status)
    }
}
