import ArgumentParser
import Foundation
import Logging
import SmartTuner
import TinyTacotron

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Runs one supervised training of the built-in model, with smart restart and a live progress line.")

    @Option(help: "Total optimizer steps.")
    var steps = 1_500

    @Option(name: .customLong("validate-every"), help: "Validate every N steps.")
    var validationInterval = 100

    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: only at the end).")
    var checkpointInterval = 500

    @Option(name: .customLong("checkpoint-dir"), help: "Where checkpoints and attention heatmaps go (one folder per incarnation).")
    var checkpointDirectory = "runs/train"

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: "A hyperparameter, as name=value (repeatable), e.g. --set learning_rate=0.001.")
    var settings: [String] = []

    @Option(name: .customLong("params"), help: "A JSON file of hyperparameters, {\"name\": value, …}.")
    var parametersFile: String?

    @OptionGroup(title: "Start from the best trial of a study (its hyperparameters as its last incarnation ran them; --params and --set override)")
    var study: StudyLocation

    @Option(help: "Resume from this checkpoint (.safetensors).")
    var resume: String?

    @Option(name: .customLong("corpus-seed"), help: "Seed of the synthetic corpus.")
    var corpusSeed: UInt64 = 1

    @Option(name: .customLong("inject"), help: "Faults to inject, e.g. nan@300,crash@700 (kinds: nan, spike, gradexplode, crash, trap, hang, oom, slow).")
    var inject: String?

    @Flag(name: .customLong("child-process"), help: "Train in a child process (survives traps, aborts and the OOM killer).")
    var childProcess = false

    @Option(name: .customLong("alignment-deadline"), help: "Step by which the model must align (0: no deadline).")
    var alignmentDeadline = 1_000

    @Option(name: .customLong("max-restarts"), help: "Smart restarts allowed for this training.")
    var maxRestarts = 3

    @Option(name: .customLong("heartbeat-timeout"), help: "Seconds of silence after which the trainer counts as hung.")
    var heartbeatTimeout = 60.0

    @Option(name: .customLong("memory-budget"), help: "Memory budget of the trainer in MiB (child-process mode); over it, the trainer is stopped as out of memory.")
    var memoryBudget: Double?

    @Option(name: .customLong("telegram-chat"), help: "Send alerts to this Telegram chat (the bot token is read from TELEGRAM_BOT_TOKEN).")
    var telegramChat: String?

    @Option(name: .customLong("webhook"), help: "POST alerts as JSON to this URL (a bearer token is read from SMARTTUNER_WEBHOOK_TOKEN if set).")
    var webhook: String?

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() async throws {
        let hyperparameters = try await parameterValues()
        var request = TrainRequest(trialID: "train", hyperparameters: hyperparameters, steps: steps,
                                   validationInterval: validationInterval, checkpointInterval: checkpointInterval,
                                   checkpointDirectory: checkpointDirectory, resumeCheckpoint: resume)
        request.builtin = BuiltinOptions(corpusSeed: corpusSeed)
        if let inject {
            do { request.faults = try FaultPlan(parsing: inject) } catch { throw ValidationError(String(describing: error)) }
        }
        var policy = EarlyStopPolicy()
        policy.alignmentDeadline = alignmentDeadline > 0 ? alignmentDeadline : nil
        var restart = RestartPolicy.standard
        restart.maxRestartsPerTrial = max(0, maxRestarts)
        var logger = Logger(label: "smart-tuner")
        logger.logLevel = .error  // the progress line reports failures and restarts itself
        let progress = ProgressLine(enabled: !json, totalSteps: steps)
        let timeout = Duration.milliseconds(Int(heartbeatTimeout * 1_000))
        let trainer = TrainerSettings(kind: .builtin(childProcess: childProcess))
        let configuration = TrialConfiguration(
            makeTrainer: trainer.makeTrainer(heartbeatTimeout: heartbeatTimeout),
            earlyStop: policy, objective: try TrialObjective(weights: TrialObjective.standard.weights,
                                                             validationLossNames: TrialObjective.builtinValidationLoss),
            restart: restart, heartbeatTimeout: timeout, logger: logger, memoryBudgetMiB: memoryBudget)
        let record: TrialRecord
        do {
            record = try await SupervisedTraining.run(request, configuration: configuration, alerts: try alerts(logger: logger), logger: logger,
                                                      onEvent: { progress.show($0) },
                                                      onStep: { progress.show($1, generation: $0) }).record
        } catch let failure as SupervisedTraining.Failure {
            throw CommandFailure(failure.description)
        }
        progress.finish()
        let summary = TrialSummary(record, initialHyperparameters: hyperparameters)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            SummaryPrinter.print(summary)
        }
        if summary.outcomeKind?.isFailed == true { throw ExitCode(1) }
    }

    /// The alert sinks: an event log beside the checkpoints, and Telegram or a webhook when asked.
    private func alerts(logger: Logger) throws -> AlertActor {
        var settings = AlertSettings()
        settings.telegramChat = telegramChat
        settings.webhook = webhook
        try FileManager.default.createDirectory(atPath: checkpointDirectory, withIntermediateDirectories: true)
        do {
            return try settings.makeActor(defaultLog: (checkpointDirectory as NSString).appendingPathComponent("events.jsonl"), logger: logger)
        } catch let invalid as InvalidSetting {
            throw ValidationError(invalid.message)
        }
    }

    private func parameterValues() async throws -> [String: Double] {
        var values: [String: Double] = [:]
        if study.config != nil || study.storage != nil || study.study != nil {
            let (store, stored) = try await study.open(readOnly: true)
            guard let best = try await store.bestTrial(of: stored) else {
                throw CommandFailure("study \(stored.definition.name) has no complete trial yet, so it has no best parameters to train")
            }
            values = best.trainingHyperparameters
        }
        if let parametersFile {
            guard let data = FileManager.default.contents(atPath: parametersFile) else {
                throw CommandFailure("cannot read --params file \(parametersFile)")
            }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CommandFailure("--params file \(parametersFile) must hold one JSON object of names to numbers")
            }
            for (name, value) in object {
                guard let number = value as? NSNumber, !(value is Bool) else {
                    throw CommandFailure("--params file \(parametersFile): '\(name)' must be a number")
                }
                values[name] = number.doubleValue
            }
        }
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--set '\(setting)' must be name=number, e.g. --set learning_rate=0.001")
            }
            values[parts[0]] = value
        }
        do {
            // Every hyperparameter, defaults included, so that every restart rule can adjust it.
            return try TacotronHyperparameters(values).values
        } catch {
            throw ValidationError(String(describing: error))
        }
    }
}
