import Alignment
import Testing
import TinyTacotron

/// The built-in workload really learns and really fails, with default settings and the full
/// corpus. These fixtures are what the supervisor's judgements are tested against. They train
/// for real (up to 1 500 steps), so scripts/test.sh runs this target in release mode.
@Suite("Training fixtures (full size, release mode)")
struct AlignmentFixtureTests {
    /// Mean alignment metrics of a validation pass.
    private func alignment(_ trainer: TacotronTrainer) throws -> AlignmentMetrics {
        let report = trainer.validate(count: 32)
        let each = try report.utterances.map {
            try AlignmentAnalysis.metrics(AttentionMatrix(values: $0.attention, frames: $0.frames, tokens: $0.tokens),
                                          gateLogits: $0.gateLogits, trueAlignment: $0.trueAlignment)
        }
        return try #require(AlignmentMetrics.mean(of: each))
    }

    @Test("with guided attention it aligns within 1 500 steps: focus ≥ 0.75 and ±1 accuracy ≥ 0.95", arguments: FixtureSeeds.values)
    func guidedAttentionAligns(seed: Int) throws {
        try #require(seed >= 0, "\(FixtureSeeds.invalid)")
        let trainer = try TacotronTrainer(hyperparameters: TacotronHyperparameters(["seed": Double(seed)]))
        var reached: (step: Int, metrics: AlignmentMetrics)?
        while trainer.step < 1_500 {
            trainer.trainStep()
            if trainer.step % 100 == 0 {
                let metrics = try alignment(trainer)
                if metrics.focusRate >= 0.75, (metrics.accuracy ?? 0) >= 0.95 {
                    reached = (trainer.step, metrics)
                    break
                }
            }
        }
        let result = try #require(reached, "not aligned within 1 500 steps")
        print("seed \(seed), guided attention: aligned at step \(result.step), focus \(result.metrics.focusRate), accuracy \(result.metrics.accuracy ?? .nan)")
        #expect(result.metrics.missingTokens <= 0.05)
    }

    @Test("without guided attention the same budget leaves it unaligned (focus < 0.4)", arguments: FixtureSeeds.values)
    func withoutGuidedAttentionItFails(seed: Int) throws {
        try #require(seed >= 0, "\(FixtureSeeds.invalid)")
        let trainer = try TacotronTrainer(hyperparameters: TacotronHyperparameters(["guided_attention_weight": 0, "seed": Double(seed)]))
        var best = 0.0
        while trainer.step < 1_500 {
            trainer.trainStep()
            if trainer.step % 250 == 0 { best = max(best, try alignment(trainer).focusRate) }
        }
        print("seed \(seed), no guided attention: best focus \(best) over 1 500 steps")
        #expect(best < 0.4)
    }

    @Test("a learning rate of 0.5 blows the loss up within a few hundred steps", arguments: FixtureSeeds.values)
    func largeLearningRateDiverges(seed: Int) throws {
        try #require(seed >= 0, "\(FixtureSeeds.invalid)")
        let trainer = try TacotronTrainer(hyperparameters: TacotronHyperparameters(["learning_rate": 0.5, "seed": Double(seed)]))
        let initial = trainer.trainStep().losses.total
        var exploded: (step: Int, loss: Double)?
        while trainer.step < 300, exploded == nil {
            let loss = trainer.trainStep().losses.total
            if !loss.isFinite || loss > 100 * initial { exploded = (trainer.step, loss) }
        }
        let result = try #require(exploded, "the loss stayed within 100 × its first value for 300 steps")
        print("seed \(seed), learning rate 0.5: loss \(result.loss) at step \(result.step) (first step \(initial))")
    }
}
