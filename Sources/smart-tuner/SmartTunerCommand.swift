import ArgumentParser

@main
struct SmartTunerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smart-tuner",
        abstract: "Tunes and babysits Tacotron-style text-to-speech training.",
        subcommands: [InitCommand.self, OptimizeCommand.self, AutoCommand.self, TrainCommand.self, MonitorCommand.self, StatusCommand.self, TrialsCommand.self, BestCommand.self,
                      AskCommand.self, TellCommand.self, RegistryCommand.self, ExportCommand.self, AnalyzeCommand.self,
                      WorkerCommand.self, AdapterGuardCommand.self, TrackCommand.self, DashboardCommand.self, SelfCheckCommand.self])
}
