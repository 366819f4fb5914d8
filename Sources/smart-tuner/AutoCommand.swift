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
        var logger = Logger(label: "smart-tuner")
        logger.logLevel = .error
        let auto = AutoRun(settings: settings, modelName: model, logger: logger)
        let report = try await OptimizeCommand.optimize(settings, json: json)
        if !json { ReportPrinter.print(report) }
        guard report.isFinished else {
            throw CommandFailure("the study stopped before all its trials finished; run `smart-tuner auto --config \(study.config)` again to resume it")
        }
        let progress = ProgressLine(enabled: !json, totalSteps: auto.final.steps)
        let ending: AutoRun.Ending
        do {
            ending = try await auto.trainBest { event in
                switch event {
                case .waitingForFinalTraining(let holder) where !json:
                    print("\nAnother auto (pid \(holder)) is training this study's best parameters; waiting for it to finish…")
                case .finalTrainingStarts(let trial, let steps, let resuming) where !json:
                    let resumed = resuming.map { " — resuming the killed run from \(($0 as NSString).lastPathComponent)" } ?? ""
                    print("\nFinal training of trial \(trial)'s parameters: \(steps) steps\(resumed)")
                case .event(let event): progress.show(event)
                case .step(let generation, let step): progress.show(step, generation: generation)
                default: break
                }
            }
        } catch let failure as AutoRun.Failure {
            throw CommandFailure(failure.description)
        } catch let failure as FinalTrainingLock.Failure {
            throw CommandFailure(failure.description)
        } catch let failure as SupervisedTraining.Failure {
            throw CommandFailure(failure.description)
        } catch let invalid as InvalidSetting {
            throw CommandFailure(invalid.description)
        }
        progress.finish()
        switch ending {
        case .alreadyRegistered(let best, let registered):
            if json { return try JSONOutput.print(AutoResult(study: report, final: nil, model: registered)) }
            print("\nThe best trial \(best) is already trained and registered as \(registered.name) v\(registered.version) (\(registered.checkpoint)).")
        case .notRegistered(let summary):
            if json { try JSONOutput.print(AutoResult(study: report, final: summary, model: nil)) } else { SummaryPrinter.print(summary) }
            throw CommandFailure("the final training ended \(summary.outcome); no model was registered")
        case .registered(let summary, let registered):
            if json { return try JSONOutput.print(AutoResult(study: report, final: summary, model: registered)) }
            SummaryPrinter.print(summary)
            print("Registered \(registered.name) v\(registered.version) (\(registered.stage.rawValue)): \(registered.checkpoint)")
        }
    }
}

/// What `auto --json` prints.
struct AutoResult: Encodable {
    let study: StudyReport
    let final: TrialSummary?
    let model: RegisteredModel?
}
