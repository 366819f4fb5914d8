import ArgumentParser
import Foundation
import Logging
import SmartTuner

struct AutoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auto",
        abstract: "Optimizes, then trains the best parameters with the full budget and registers the model.",
        discussion: """
            The study runs (or resumes) to its trial budget exactly as `optimize` runs it. The best trial's \
            hyperparameters, as its last incarnation ran them, are then trained for trainer.final_steps steps \
            (--final-steps; default twice trainer.steps) under the same supervision and smart restart, and the \
            final checkpoint is registered as a candidate version of the model. Re-running after that finds the \
            registered model and does nothing more; re-running after the final training was killed resumes it from \
            its newest good checkpoint (listed in <directory>/<study>/final/journal.jsonl). A second `auto` of the \
            same study on the same machine waits for the first's final training, then finds the model registered.
            """)

    @OptionGroup var study: StudyRunOptions

    @Option(name: .customLong("final-steps"), help: "Steps of the final training (overrides trainer.final_steps).")
    var finalSteps: Int?

    @Option(help: "The registered model's name (default: the study's name).")
    var model: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        if let finalSteps, finalSteps < 1 { throw ValidationError("--final-steps must be at least 1, got \(finalSteps)") }
        if let model, model.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--model must not be empty") }
    }

    func run() async throws {
        var settings = try study.settings()
        if let finalSteps { settings.trainer.finalSteps = finalSteps }
        let report = try await OptimizeCommand.optimize(settings, json: json)
        if !json { ReportPrinter.print(report) }
        guard report.isFinished else {
            throw CommandFailure("the study stopped before all its trials finished; run `smart-tuner auto --config \(study.config)` again to resume it")
        }
        let store = try settings.storeLocation().open()
        let stored = try await store.study(named: settings.name)
        let final = FinalTraining(settings: settings, modelName: model ?? settings.name)
        guard let best = try await store.bestTrial(of: stored) else {
            throw CommandFailure("study \(settings.name) has no complete trial, so there is nothing to train")
        }
        // One final training per study at a time: a second `auto` waits, then finds the model registered.
        let lock: FinalTrainingLock
        do {
            lock = try await FinalTrainingLock.acquire(path: final.lockPath) { holder in
                if !json { print("\nAnother auto (pid \(holder)) is training this study's best parameters; waiting for it to finish…") }
            }
        } catch let failure as FinalTrainingLock.Failure {
            throw CommandFailure(failure.description)
        }
        defer { withExtendedLifetime(lock) {} }
        if let registered = try await final.registeredModel(store: store, best: best) {
            if json { return try JSONOutput.print(AutoResult(study: report, final: nil, model: registered)) }
            print("\nThe best trial \(best.number) is already trained and registered as \(registered.name) v\(registered.version) (\(registered.checkpoint)).")
            return
        }
        var logger = Logger(label: "smart-tuner")
        logger.logLevel = .error
        let request = final.request(best: best)
        if !json {
            let resumed = request.resumeCheckpoint.map { " — resuming the killed run from \(($0 as NSString).lastPathComponent)" } ?? ""
            print("\nFinal training of trial \(best.number)'s parameters: \(final.steps) steps\(resumed)")
        }
        let journal = final.journal(best: best, logger: logger)
        let (_, record) = try await SupervisedTraining.run(
            request, configuration: settings.trialConfiguration(logger: logger),
            alerts: try alerts(settings, logger: logger), logger: logger,
            progress: ProgressLine(enabled: !json, totalSteps: final.steps), onEvent: { journal.record($0) })
        let summary = TrialSummary(record, initialHyperparameters: request.hyperparameters)
        guard summary.outcomeKind?.isCompleted == true else {
            if json { try JSONOutput.print(AutoResult(study: report, final: summary, model: nil)) } else { SummaryPrinter.print(summary) }
            throw CommandFailure("the final training ended \(summary.outcome); no model was registered")
        }
        let registered = try await final.register(store: store, study: stored, best: best, record: record, summary: summary, now: Date())
        if json { return try JSONOutput.print(AutoResult(study: report, final: summary, model: registered)) }
        SummaryPrinter.print(summary)
        print("Registered \(registered.name) v\(registered.version) (\(registered.stage.rawValue)): \(registered.checkpoint)")
    }

    private func alerts(_ settings: StudySettings, logger: Logger) throws -> AlertActor {
        do { return try settings.alerts.makeActor(defaultLog: settings.defaultEventLog, logger: logger) } catch let invalid as InvalidSetting {
            throw CommandFailure(invalid.description)
        }
    }
}

/// What `auto --json` prints.
struct AutoResult: Encodable {
    let study: StudyReport
    let final: TrialSummary?
    let model: RegisteredModel?
}
