import Foundation
import Testing

@testable import SmartTuner

@Suite("The objective judges the model, not its regularisers")
struct ObjectiveTests {
    let aligned = AlignmentMetrics(focusRate: 0.8, coverage: 1, diagonality: 1, backJumpRate: 0, skipRate: 0, missingTokens: 0,
                                   entropy: 0.1, drift: 0, stopError: 0.1)

    @Test("the built-in trainer's val_loss is mel + stop: a trial's value does not depend on the guided-attention penalty")
    func builtinValidationLoss() throws {
        let settings = try StudyConfigurationFile.parse("""
            study: {name: s, storage: s.db, trials: 1}
            trainer: {type: builtin}
            search_space: {guided_attention_weight: {type: float, low: 0, high: 3}}
            """, file: "s.yaml")
        let objective = settings.effectiveObjective
        #expect(objective.validationLossNames == ["mel", "stop"])
        let light = try objective.validationLoss(of: ["mel": 0.3, "stop": 0.1, "guided": 0.05, "total": 0.45]).get()
        let heavy = try objective.validationLoss(of: ["mel": 0.3, "stop": 0.1, "guided": 4.0, "total": 4.4]).get()
        #expect(light == heavy && abs(light - 0.4) < 1e-12)
        #expect(objective.value(validationLoss: light, metrics: aligned) == objective.value(validationLoss: heavy, metrics: aligned))
    }

    @Test("a command trainer's val_loss is its total unless the file names components; a missing component is named")
    func commandValidationLoss() throws {
        let yaml = """
            study: {name: s, storage: s.db, trials: 1}
            trainer: {type: command, command: [python3, train.py]}
            search_space: {learning_rate: {type: float, low: 0.001, high: 0.01}}
            """
        let plain = try StudyConfigurationFile.parse(yaml, file: "s.yaml").effectiveObjective
        #expect(try plain.validationLoss(of: ["mel": 1, "total": 3]).get() == 3)
        let named = try StudyConfigurationFile.parse(yaml + "\nobjective: {val_loss: [mel, postnet], weights: {val_loss: 1}}", file: "s.yaml")
        #expect(named.objective.weights == ["val_loss": 1])
        guard case .failure(let missing) = named.effectiveObjective.validationLoss(of: ["mel": 1, "total": 3]) else {
            Issue.record("a missing component must be reported")
            return
        }
        #expect(missing.description.contains("no 'postnet' (reported: mel, total)"), "\(missing)")
    }

    @Test("bad objective sections name the key and what would be valid", arguments: [
        ("objective: {weights: {focus: 1}}", "objective.weights.focus: unknown term"),
        ("objective: {val_loss: []}", "objective.val_loss: needs at least one loss name"),
        ("objective: {val_los: [mel]}", "objective.val_los: unknown key"),
    ])
    func badObjective(line: String, message: String) {
        let yaml = """
            study: {name: s, storage: s.db, trials: 1}
            trainer: {type: builtin}
            search_space: {learning_rate: {type: float, low: 0.001, high: 0.01}}
            \(line)
            """
        let error = #expect(throws: ConfigurationError.self) { try StudyConfigurationFile.parse(yaml, file: "s.yaml") }
        #expect(error?.description.contains(message) == true, "\(error.map { "\($0)" } ?? "no error")")
        #expect(error?.description.hasPrefix("s.yaml:4:") == true)
    }

    @Test("outcomes read as words; numbers at four significant digits")
    func words() {
        #expect(TrialOutcome.completed(reason: .budget, step: 1_500).description == "completed (budget) at step 1500")
        #expect(TrialOutcome.failed(cause: .attentionCollapse, evidence: Evidence("no")).outcomeKind.words == "failed: attention collapse")
        #expect(TrialOutcome.Kind(rawValue: "failed.nonFinite") == .failed(.nonFinite))
        #expect(TrialOutcome.Kind(rawValue: "completed.nope") == nil && TrialOutcome.Kind(rawValue: "pruned") == .pruned)
        #expect(ParameterChange(name: "learning_rate", from: 0.00926134, to: 0.00648294).description == "learning_rate 0.009261 → 0.006483")
        #expect(HumanNumber.text(0.42211475686372496) == "0.4221" && HumanNumber.text(1_500) == "1500" && HumanNumber.text(.nan) == "NaN" && HumanNumber.text(2.5e-5) == "2.500e-05")
    }

    @Test("--json rows give parameters as JSON numbers (strings for categories)")
    func plainParameters() throws {
        let data = try JSONEncoder().encode(["lr": PlainParameter(.float(0.001)), "batch": PlainParameter(.int(16)), "cell": PlainParameter(.string("gru"))])
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["lr"] as? Double == 0.001 && object["batch"] as? Int == 16 && object["cell"] as? String == "gru")
        #expect(try JSONDecoder().decode([String: PlainParameter].self, from: data)["batch"]?.value == .int(16))
    }
}
