// A Swift service that runs a SmartTuner study in-process (docs/embedding.md).
// Run: swift run embedded-study [DIRECTORY]
import Logging
import ServiceLifecycle
import SmartTuner

let directory = CommandLine.arguments.dropFirst().first ?? "runs/embedded"
let logger: Logger = {
    var logger = Logger(label: "embedded-study")
    logger.logLevel = .info
    return logger
}()

// The study, in code: what a YAML study file decodes into.
let space = try SearchSpace([
    .init("learning_rate", .float(low: 5e-4, high: 1e-2, log: true)),
    .init("guided_attention_weight", .float(low: 0, high: 3)),
])
var trainer = TrainerSettings(kind: .builtin(childProcess: false))
trainer.corpus = .miniature  // seconds per trial; drop this line for the reference corpus
trainer.steps = 200
trainer.validationInterval = 50
trainer.checkpointInterval = 50
trainer.directory = directory
var settings = StudySettings(name: "embedded", storage: "\(directory)/study.db", trials: 4, space: space, trainer: trainer)
settings.parallelism = 2
settings.sampler = .tpe(startupTrials: 2)
settings.pruner = .median(startupTrials: 2, warmupSteps: 100)

// The runner is a Service: it owns the supervision tree and the study's workers, and a graceful
// shutdown (SIGTERM, SIGINT) checkpoints running trials and leaves them for the next run.
let runner = try await StudyRunner(settings: settings, logger: logger) { event in
    if case .trialFinished(let number, let outcome, let value, let newBest) = event {
        logger.info("trial finished", metadata: ["trial": "\(number)", "outcome": "\(outcome.kind)",
                                                 "value": "\(value.map { "\($0)" } ?? "-")", "new_best": "\(newBest)"])
    }
}
let group = ServiceGroup(configuration: ServiceGroupConfiguration(
    services: [.init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup)],
    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
try await group.run()

let report = try await runner.report()
if let best = report.best {
    logger.info("best trial", metadata: ["trial": "\(best.number)", "value": "\(best.value)",
                                         "focus_rate": "\(best.metrics["focus_rate"] ?? .nan)",
                                         "checkpoint": "\(best.checkpoint ?? "-")"])
} else {
    logger.warning("no complete trial", metadata: ["states": "\(report.states)"])
}
