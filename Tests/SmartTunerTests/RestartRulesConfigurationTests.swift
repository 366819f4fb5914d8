import Testing

@testable import SmartTuner

@Suite("Smart-restart rules in the study file")
struct RestartRulesConfigurationTests {
    static func study(restart: String, trainer: String = "steps: 100") -> String {
        """
        study:
          name: s
          storage: s.db
          trials: 4
        trainer:
          \(trainer)
        search_space:
          learning_rate: {type: float, low: 0.001, high: 0.01, log: true}
        restart:
        \(restart)
        """
    }

    @Test("a named cause replaces its default adjustments and resume point; other causes keep theirs")
    func rulesReplaceDefaults() throws {
        let settings = try StudyConfigurationFile.parse(Self.study(restart: """
              max_restarts_per_trial: 4
              rules:
                nonFinite:
                  adjust:
                    learning_rate: {multiply: 0.25, min: 1.0e-6}
                    weight_decay: {set: 0}
                  resume: scratch
                outOfMemory:
                  adjust:
                    batch_size: {add: -4, min: 2}
                attentionCollapse:
                  resume: last_good_checkpoint
                hang:
                  adjust: {}
            """), file: "s.yaml")
        let policy = settings.restart
        #expect(policy.maxRestartsPerTrial == 4)
        #expect(policy.rules[.nonFinite] == RestartRule([
            ParameterAdjustment("learning_rate", .multiply(0.25), minimum: 1e-6),
            ParameterAdjustment("weight_decay", .set(0)),
        ], resume: .scratch))
        // batch_size takes whole numbers, so its adjustment rounds without being told.
        #expect(policy.rules[.outOfMemory] == RestartRule([ParameterAdjustment("batch_size", .add(-4), minimum: 2, integer: true)],
                                                         resume: .lastGoodCheckpoint))
        let standard = RestartPolicy.standard.rules
        #expect(policy.rules[.attentionCollapse]?.adjustments == standard[.attentionCollapse]?.adjustments)
        #expect(policy.rules[.attentionCollapse]?.resume == .lastGoodCheckpoint)
        #expect(policy.rules[.hang] == RestartRule([], resume: .lastGoodCheckpoint))
        for cause in [FailureCause.divergence, .gradientExplosion, .crash] { #expect(policy.rules[cause] == standard[cause]) }
        // The rule is what smart restart plans with.
        let plan = policy.plan(after: .nonFinite, hyperparameters: ["learning_rate": 0.002, "grad_clip": 1, "weight_decay": 1e-4])
        #expect(plan.hyperparameters == ["learning_rate": 0.0005, "grad_clip": 1, "weight_decay": 0] && plan.resume == .scratch)
    }

    @Test("the rule the init template shows, uncommented, is a valid rule")
    func templateExample() throws {
        var inRestart = false
        let uncommented = StudyTemplate.builtin.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            if line == "restart:" { inRestart = true } else if line.isEmpty { inRestart = false }
            guard inRestart, let mark = line.range(of: "# ") else { return String(line) }
            return line.replacingCharacters(in: mark, with: "")
        }.joined(separator: "\n")
        #expect(uncommented.contains("\n  rules:"))
        let rule = try #require(try StudyConfigurationFile.parse(uncommented, file: "study.yaml").restart.rules[.nonFinite])
        #expect(rule == RestartRule([ParameterAdjustment("learning_rate", .multiply(0.5), minimum: 1e-6),
                                     ParameterAdjustment("grad_clip", .multiply(0.5), minimum: 0.1)], resume: .lastGoodCheckpoint))
    }

    @Test("a command trainer's rules may name any parameter; integer is false unless given")
    func commandTrainerRules() throws {
        let settings = try StudyConfigurationFile.parse(Self.study(restart: """
              rules:
                outOfMemory:
                  adjust:
                    micro_batches: {multiply: 2, max: 64, integer: true}
                    n_frames_per_step: {add: 1, max: 3}
            """, trainer: "type: command\n  command: [python3, train.py]"), file: "s.yaml")
        #expect(settings.restart.rules[.outOfMemory]?.adjustments == [
            ParameterAdjustment("micro_batches", .multiply(2), maximum: 64, integer: true),
            ParameterAdjustment("n_frames_per_step", .add(1), maximum: 3),
        ])
    }

    @Test("bad rules get an error naming file:line:column, the key path and what is valid", arguments: [
        ("  rules:\n    nan: {resume: scratch}", "s.yaml:11:5: restart.rules.nan: unknown key; valid keys here: nonFinite, divergence, gradientExplosion, attentionCollapse, outOfMemory, hang, crash"),
        ("  rules:\n    crash: {resume: yesterday}", "s.yaml:11:21: restart.rules.crash.resume: 'yesterday' is not one of: before_spike, last_aligned_or_scratch, last_good_checkpoint, scratch"),
        ("  rules:\n    crash: {retry: 3}", "restart.rules.crash.retry: unknown key; valid keys here: adjust, resume"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {multiply: 0.5, set: 0.001}", "s.yaml:13:24: restart.rules.crash.adjust.learning_rate: give exactly one of multiply, add or set"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {min: 0.001}", "restart.rules.crash.adjust.learning_rate: give exactly one of multiply, add or set"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {multiply: 0}", "restart.rules.crash.adjust.learning_rate.multiply: a factor must be > 0; to give a fixed value use set"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {multiply: half}", "restart.rules.crash.adjust.learning_rate.multiply: expected a number, got 'half'"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {multiply: .inf}", "restart.rules.crash.adjust.learning_rate.multiply: must be a finite number"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {multiply: 0.5, min: 0.01, max: 0.001}", "restart.rules.crash.adjust.learning_rate: min 0.01 is above max 0.001"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {multiply: 0.5, integer: maybe}", "restart.rules.crash.adjust.learning_rate.integer: expected true or false"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rat: {multiply: 0.5}", "s.yaml:13:9: restart.rules.crash.adjust.learning_rat: unknown hyperparameter 'learning_rat'; valid names: learning_rate, batch_size"),
        ("  rules:\n    outOfMemory:\n      adjust:\n        batch_size: {multiply: 0.5, min: 0}", "restart.rules.outOfMemory.adjust.batch_size.min: hyperparameter 'batch_size' = 0.0 is out of range; it must be an integer from 1 to 1024"),
        ("  rules:\n    crash:\n      adjust:\n        learning_rate: {set: -1}", "restart.rules.crash.adjust.learning_rate.set: hyperparameter 'learning_rate' = -1.0"),
        ("  rules:\n    crash:\n      adjust: [learning_rate]", "restart.rules.crash.adjust: expected a mapping of names to values"),
        ("  max_restarts_per_trial: 1000", "restart.max_restarts_per_trial: must be from 0 to 100, got 1000"),
    ])
    func badRules(restart: String, expected: String) {
        let error = #expect(throws: ConfigurationError.self) { try StudyConfigurationFile.parse(Self.study(restart: restart), file: "s.yaml") }
        #expect(error?.description.contains(expected) == true, "got: \(error?.description ?? "no error")")
    }
}
