import ArgumentParser
import SmartTuner

/// The options of commands that run a study (`optimize`, `auto`): the configuration and the
/// overrides of its budget.
struct StudyRunOptions: ParsableArguments {
    @Option(help: "The study configuration (YAML); `smart-tuner init` writes an example.")
    var config: String

    @Option(help: "Trials in all (overrides study.trials).")
    var trials: Int?

    @Option(help: "Trials at once in this process (overrides study.parallelism).")
    var parallel: Int?

    /// The configuration with the overrides applied.
    func settings() throws -> StudySettings {
        var settings = try StudyConfigurationFile.load(path: config)
        if let trials { settings.trials = trials }
        if let parallel { settings.parallelism = parallel }
        return settings
    }
}
