import ArgumentParser
import Foundation
import SmartTuner

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Trains the built-in TinyTacotron model with a live progress line.")

    @Option(help: "Total optimizer steps.")
    var steps = 1_500

    @Option(name: .customLong("validate-every"), help: "Validate every N steps.")
    var validationInterval = 100

    @Option(name: .customLong("checkpoint-every"), help: "Checkpoint every N steps (0: only at the end).")
    var checkpointInterval = 500

    @Option(name: .customLong("checkpoint-dir"), help: "Where checkpoints and attention heatmaps go.")
    var checkpointDirectory = "runs/train"

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: "A hyperparameter, as name=value (repeatable), e.g. --set learning_rate=0.001.")
    var settings: [String] = []

    @Option(name: .customLong("params"), help: "A JSON file of hyperparameters, {\"name\": value, …}.")
    var parametersFile: String?

    @Option(help: "Resume from this checkpoint (.safetensors).")
    var resume: String?

    @Option(name: .customLong("corpus-seed"), help: "Seed of the synthetic corpus.")
    var corpusSeed: UInt64 = 1

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func run() async throws {
        let trainer: TacotronTrainer
        if let resume {
            trainer = try TacotronTrainer(checkpoint: resume)
        } else {
            var corpus = CorpusConfiguration()
            corpus.seed = corpusSeed
            trainer = try TacotronTrainer(corpus: corpus, hyperparameters: try hyperparameters())
        }
        var schedule = TrainingRun.Schedule()
        schedule.steps = steps
        schedule.validationInterval = validationInterval
        schedule.checkpointInterval = checkpointInterval
        schedule.checkpointDirectory = checkpointDirectory
        let progress = ProgressLine(enabled: !json, totalSteps: steps)
        let summary = try TrainingRun(schedule: schedule).run(trainer) { progress.show($0) }
        progress.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            printSummary(summary)
        }
    }

    private func hyperparameters() throws -> TacotronHyperparameters {
        var values: [String: Double] = [:]
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
            return try TacotronHyperparameters(values)
        } catch {
            throw ValidationError(String(describing: error))
        }
    }

    private func printSummary(_ summary: TrainingRun.Summary) {
        print("Trained \(summary.steps) steps (\(summary.parameters) parameters), median \(Int(summary.framesPerSecond)) frames/s")
        if let losses = summary.validationLosses {
            print(String(format: "validation loss %.4f  (mel %.4f, stop %.4f, guided %.4f)", losses.total, losses.mel, losses.stop, losses.guided))
        }
        if let a = summary.alignment {
            print(String(format: "alignment: focus_rate %.3f  accuracy %.3f  missing_tokens %.3f  back_jump_rate %.3f  diagonality %.3f  stop_error %.3f",
                         a.focusRate, a.accuracy ?? .nan, a.missingTokens, a.backJumpRate, a.diagonality, a.stopError ?? .nan))
        }
        if let checkpoint = summary.checkpoint {
            print("checkpoint: \(checkpoint.path)")
            if let heatmap = checkpoint.heatmapPath { print("attention:  \(heatmap)") }
        }
    }
}
