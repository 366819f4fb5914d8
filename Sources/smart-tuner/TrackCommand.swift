import ArgumentParser
import Foundation
import Logging
import SmartTuner
import Tracking

struct TrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track",
        abstract: "Sends a study from its study file to MLflow and TensorBoard: whatever they do not hold yet.",
        discussion: """
            What is sent is recorded in the study file, so `track` can run any time: during a study, after one that ran \
            offline or while a server was down, and again (a second run sends nothing). Where to send comes from the study \
            file's `tracking` section, or from --mlflow and --tensorboard. See docs/tracking.md.
            """)

    @OptionGroup var location: StudyLocation

    @Option(help: "The MLflow tracking server (http://host:5000), instead of the study file's tracking.mlflow.url.")
    var mlflow: String?

    @Option(help: "The MLflow experiment (default: the study file's, else the study's name).")
    var experiment: String?

    @Option(help: "The folder TensorBoard reads, instead of the study file's tracking.tensorboard.")
    var tensorboard: String?

    func run() async throws {
        var tracking = try location.config.map { try StudyConfigurationFile.load(path: $0).tracking } ?? TrackingSettings()
        if let mlflow {
            if let problem = MLflowSettings.problem(url: mlflow) { throw ValidationError("--mlflow \(problem)") }
            tracking.mlflow = MLflowSettings(url: mlflow, experiment: tracking.mlflow?.experiment)
        }
        if let experiment {
            guard tracking.mlflow != nil else { throw ValidationError("--experiment names an MLflow experiment; give --mlflow URL too (or tracking.mlflow in the study file)") }
            tracking.mlflow?.experiment = experiment
        }
        if let tensorboard { tracking.tensorBoardDirectory = tensorboard }
        guard tracking.mlflow != nil || tracking.tensorBoardDirectory != nil else {
            throw CommandFailure("nothing to send to: give --mlflow URL or --tensorboard FOLDER, or a tracking section in the study file (docs/tracking.md)")
        }
        // Found read-only first, so that a wrong path or name never creates a study file.
        _ = try await location.open(readOnly: true)
        let (store, study) = try await location.open(readOnly: false)
        let logger = Logger(label: "smarttuner.track")
        let feed: TrackingFeed
        do {
            guard let made = try tracking.feed(study: study, store: store, environment: ProcessInfo.processInfo.environment, logger: logger) else {
                throw CommandFailure("nothing to send to: give --mlflow URL or --tensorboard FOLDER (docs/tracking.md)")
            }
            feed = made
        } catch let invalid as InvalidSetting {
            throw CommandFailure("\(invalid.keyPath) \(invalid.message)")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let results = await feed.pass()
        let seconds = (clock.now - started).components
        var failed = false
        for sink in feed.sinks {
            switch results[sink.name] {
            case .success(let pass)?:
                print("\(sink.name): \(pass.sent) values sent" + (pass.problems.isEmpty ? "" : "; \(pass.problems.count) problems: " + pass.problems.joined(separator: "; ")))
            case .failure(let error)?:
                failed = true
                print("\(sink.name): not all sent (the study file keeps the rest for the next run): \(error)")
            case nil:
                break
            }
        }
        print("study \(study.definition.name): tracked in \(seconds.seconds).\(String(format: "%03d", seconds.attoseconds / 1_000_000_000_000_000)) s")
        if failed { throw ExitCode(3) }
    }
}
