import Foundation
import Testing
import TestScratch

@testable import SmartTuner

@Suite("Study configuration files", .scratch)
struct StudyConfigurationTests {
    @Test("the init template parses into the documented settings")
    func template() async throws {
        let settings = try StudyConfigurationFile.parse(StudyTemplate.builtin, file: "study.yaml")
        #expect(settings.name == "tiny-tacotron" && settings.trials == 6 && settings.parallelism == 2)
        #expect(settings.space.parameters.map(\.name) == ["learning_rate", "guided_attention_weight", "grad_clip"])
        #expect(settings.sampler == .tpe(startupTrials: 3, candidates: 24, multivariate: true, constantLiar: true))
        #expect(settings.objective.validationLossNames == ["mel", "stop"] && settings.objective.weights == TrialObjective.standard.weights)
        #expect(settings.pruner == .median(startupTrials: 2, warmupSteps: 300, minimumTrials: 1))
        #expect(settings.trainer.fixed == ["batch_size": 16] && settings.earlyStop.alignmentDeadline == 600)
        #expect(settings.trainer.finalSteps == 1_500 && settings.trainer.fullBudgetSteps == 1_500)
    }

    @Test("the study file keeps the plan of the run that last opened it: steps, final steps and the sampler")
    func storedPlan() async throws {
        let directory = try Scratch.folder("plan")
        var settings = try StudyConfigurationFile.parse(Self.base, file: "s.yaml")
        settings.storage = directory + "/s.db"
        settings.sampler = .random
        let store = try await openStore(settings.storage)
        let plan = try #require(StudyPlan(of: try await store.createOrOpen(settings.definition)))
        #expect(plan.steps == 100 && plan.finalSteps == 200 && plan.sampler == .random && plan.validationInterval == 100)
        settings.trainer.steps = 300
        settings.trainer.finalSteps = 900
        let reread = try #require(StudyPlan(of: try await openStore(settings.storage, readOnly: true).study(named: "s")))
        #expect(reread.steps == 100, "a read-only reader changes nothing")
        let updated = try #require(StudyPlan(of: try await store.createOrOpen(settings.definition)))
        #expect(updated.steps == 300 && updated.finalSteps == 900)
    }

    static let base = """
        study:
          name: s
          storage: s.db
          trials: 4
        trainer:
          steps: 100
        search_space:
          learning_rate: {type: float, low: 0.001, high: 0.01, log: true}
        """

    @Test("errors name file:line:column, the key path and what would be valid", arguments: [
        ("study:\n  name: s\n  storage: s.db\n  trials: 4\n  trails: 5\ntrainer: {}\nsearch_space:\n  x: {type: float, low: 0, high: 1}\n",
         "s.yaml:5:3: study.trails: unknown key; valid keys here: name, storage"),
        (base.replacingOccurrences(of: "trials: 4", with: "trials: four"), "s.yaml:4:11: study.trials: expected an integer, got 'four'"),
        (base.replacingOccurrences(of: "log: true", with: "log: yes please"), "s.yaml:8:61: search_space.learning_rate.log: expected true or false"),
        (base.replacingOccurrences(of: "type: float", with: "type: double"), "search_space.learning_rate.type: 'double' is not one of: categorical, float, int"),
        (base.replacingOccurrences(of: "low: 0.001", with: "low: 0.1"), "s.yaml:8:18: search_space.learning_rate: parameter 'learning_rate': low 0.1 and high 0.01 must be finite with low ≤ high"),
        (base.replacingOccurrences(of: "learning_rate:", with: "learning_rat:"), "s.yaml:8:17: search_space.learning_rat: unknown hyperparameter"),
        (base + "\n  cell: {type: categorical, choices: [gru, lstm]}", "search_space.cell.choices: trainers take numeric hyperparameters"),
        (base.replacingOccurrences(of: "steps: 100", with: "steps: 100\n  type: command"), "trainer.command: a command trainer needs command"),
        (base + "\nstudy2: {}", "s.yaml:9:1: study2: unknown key; valid keys here: study, trainer, search_space"),
        ("study: [1, 2\n", "s.yaml:2:1: YAML syntax"),
        ("study:\n  name: s\n", "trainer: missing; a study file needs study, trainer and search_space"),
        (base.replacingOccurrences(of: "trials: 4", with: "trials: 4\n  sampler: {type: grid}"), "study.sampler: parameter 'learning_rate': the grid sampler needs discrete values"),
        (base.replacingOccurrences(of: "trials: 4", with: "trials: 4\n  pruner: {type: median, patience: 3}"), "study.pruner.patience: not an option of this pruner; it takes: minimum_trials, startup_trials, warmup_steps"),
    ])
    func errors(yaml: String, expected: String) {
        let error = #expect(throws: ConfigurationError.self) { try StudyConfigurationFile.parse(yaml, file: "s.yaml") }
        #expect(error?.description.contains(expected) == true, "got: \(error?.description ?? "no error")")
    }

    @Test("every pruner and sampler type reads")
    func prunersAndSamplers() async throws {
        func settings(_ study: String) throws -> StudySettings {
            try StudyConfigurationFile.parse(Self.base.replacingOccurrences(of: "trials: 4", with: "trials: 4\n" + study), file: "s.yaml")
        }
        #expect(try settings("  pruner: {type: successive_halving, min_resource: 20, reduction_factor: 2}").pruner
                == .successiveHalving(minimumResource: 20, reductionFactor: 2, minimumEarlyStoppingRate: 0))
        #expect(try settings("  pruner: {type: threshold, upper: 10}").pruner == .threshold(lower: -.infinity, upper: 10, warmupSteps: 0))
        #expect(try settings("  pruner: {type: patient, patience: 3, wrapped: {type: median}}").pruner
                == .patient(wrapped: .median(), patience: 3, minDelta: 0))
        #expect(try settings("  pruner: {type: none}\n  sampler: {type: random}").sampler == .random)
        #expect(try settings("  sampler: {type: tpe, multivariate: true}").sampler == .tpe(multivariate: true))
    }
}

@Suite("The example study")
struct ExampleStudyTests {
    @Test("examples/builtin-study.yaml (the README's main job) is what `smart-tuner init` writes")
    func exampleMatchesTemplate() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent("examples/builtin-study.yaml"), encoding: .utf8)
        #expect(example == StudyTemplate.builtin)
    }

    @Test("docs/embedding.md shows exactly the example the package compiles (examples/embedded-study)")
    func embeddingDocMatchesExample() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/embedding.md"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent("examples/embedded-study/main.swift"), encoding: .utf8)
        let block = try #require(doc.components(separatedBy: "```swift\n").dropFirst().first?.components(separatedBy: "```").first)
        #expect(block == example)
    }
}
