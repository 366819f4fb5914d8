import ArgumentParser

@main
struct SmartTunerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smart-tuner",
        abstract: "Tunes and babysits Tacotron-style text-to-speech training.",
        subcommands: [TrainCommand.self, AnalyzeCommand.self, WorkerCommand.self, SelfCheckCommand.self])
}
