import ArgumentParser
import Foundation
import SmartTuner

struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "The model registry: list, show, register and promote models.",
        subcommands: [List.self, Show.self, Register.self, Promote.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists registered models.")
        @Option(help: "Where the study is stored (a file path or sqlite:/// URL).") var storage: String
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let models = try await StoreLocation(storage).open(readOnly: true).models(named: nil)
            if json { return try JSONOutput.print(models) }
            if models.isEmpty { print("No registered models.") }
            for model in models {
                print("\(model.name) v\(model.version)  \(model.stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  study \(model.study) trial \(model.trial)  \(model.checkpoint)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows one model version with its stage history.")
        @Option(help: "Where the study is stored (a file path or sqlite:/// URL).") var storage: String
        @Argument(help: "The model's name.") var name: String
        @Option(help: "The version (default: the newest).") var version: Int?

        func run() async throws {
            let models = try await StoreLocation(storage).open(readOnly: true).models(named: name)
            guard let model = version.map({ v in models.first { $0.version == v } }) ?? models.last else {
                throw CommandFailure(models.isEmpty ? "no model named '\(name)'" : "model '\(name)' has versions \(models.map { String($0.version) }.joined(separator: ", "))")
            }
            try JSONOutput.print(model)
        }
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Registers a study's best trial (or --trial N) as a new candidate version.")
        @OptionGroup var location: StudyLocation
        @Option(help: "The model's name.") var name: String
        @Option(help: "The trial to register (default: the best).") var trial: Int?

        func run() async throws {
            let (store, study) = try await location.open(readOnly: false)
            let model = try await ModelRegistration.register(store: store, study: study, name: name, trial: trial)
            print("Registered \(model.name) v\(model.version) (trial \(model.trial), \(model.checkpoint))")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Moves a version to a stage; promoting to production archives the previous one.")
        @Option(help: "Where the study is stored (a file path or sqlite:/// URL).") var storage: String
        @Argument(help: "The model's name.") var name: String
        @Option(help: "The version.") var version: Int
        @Option(help: "candidate, production or archived.") var stage = "production"
        @Option(help: "Why.") var note = ""

        func run() async throws {
            guard let target = ModelStage(rawValue: stage) else { throw ValidationError("--stage must be candidate, production or archived, got '\(stage)'") }
            let model = try await StoreLocation(storage).open().setStage(name: name, version: version, to: target, note: note, now: Date())
            print("\(model.name) v\(model.version) is now \(model.stage.rawValue)")
        }
    }
}
