import Randomness
import Testing

@testable import TinyTacotron

/// Finite differences against the hand-written backward pass, for every parameter tensor
/// (so every layer) and for the whole model over all decoder frames of a batch.
@Suite("Gradient checks")
struct GradientCheckTests {
    @Test("every parameter's gradient matches central differences")
    func everyParameter() throws {
        let corpusConfiguration = Fixtures.tinyCorpus()
        let corpus = try SyntheticCorpus(corpusConfiguration)
        let model = TinyTacotronModel(corpus: corpusConfiguration, hyperparameters: try Fixtures.tinyHyperparameters(),
                                      batchCapacity: 3)
        let batch = TacotronBatch(Array(corpus.training.prefix(3)), mels: corpusConfiguration.melChannels)
        #expect(batch.maxFrames >= 4, "several decoder steps")
        let masks = SplitMix64(seed: 9, stream: 1)
        // Move every weight off its initial value: zero biases put ReLU pre-activations of the
        // all-zero "go" frame exactly on the kink, where central differences see half a slope.
        var noise = SplitMix64(seed: 77)
        for parameter in model.parameters.all {
            for index in 0..<parameter.count { parameter.w[index] += Float(noise.nextUnit() - 0.5) * 0.2 }
        }
        model.parameters.zeroGradients()
        _ = model.forward(batch, training: true, dropoutStream: masks)
        model.backward()

        var worst = (name: "", error: 0.0)
        var (checked, skipped) = (0, 0)
        var rng = SplitMix64(seed: 5)
        for parameter in model.parameters.all {
            let analytic = parameter.grad.array()
            // Every weight of small tensors; a sample of the larger ones.
            let indices = parameter.count <= 64 ? Array(0..<parameter.count)
                : (0..<64).map { _ in Int(rng.next() % UInt64(parameter.count)) }
            var numeric: [Double] = []
            var chosen: [Double] = []
            for index in indices {
                // A central difference is only a derivative if no ReLU switches between the two
                // evaluations; retry closer, and skip the weight if even that crosses a kink.
                guard let estimate = centralDifference(model, batch, masks, parameter, index, epsilons: [3e-3, 3e-4]) else {
                    skipped += 1
                    continue
                }
                numeric.append(estimate)
                chosen.append(Double(analytic[index]))
            }
            checked += indices.count
            let difference = zip(numeric, chosen).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = numeric.map { $0 * $0 }.reduce(0, +).squareRoot() + chosen.map { $0 * $0 }.reduce(0, +).squareRoot()
            let error = scale > 1e-6 ? difference / scale : difference
            #expect(error < 1e-2, "\(parameter.name): relative error \(error)")
            if error > worst.error { worst = (parameter.name, error) }
        }
        #expect(skipped * 20 < checked, "too many weights sit on ReLU kinks: \(skipped) of \(checked)")
        print("gradient check: worst relative error \(worst.error) in \(worst.name); \(checked) weights, \(skipped) skipped at kinks")
    }

    private func centralDifference(_ model: TinyTacotronModel, _ batch: TacotronBatch, _ masks: SplitMix64,
                                   _ parameter: Parameter, _ index: Int, epsilons: [Float]) -> Double? {
        let original = parameter.w[index]
        defer { parameter.w[index] = original }
        for epsilon in epsilons {
            parameter.w[index] = original + epsilon
            let plus = model.forward(batch, training: true, dropoutStream: masks).total
            let signsPlus = reluSigns(model)
            parameter.w[index] = original - epsilon
            let minus = model.forward(batch, training: true, dropoutStream: masks).total
            if reluSigns(model) == signsPlus { return (plus - minus) / Double(2 * epsilon) }
        }
        return nil
    }

    /// Which ReLU pre-activations are positive (encoder and prenet).
    private func reluSigns(_ model: TinyTacotronModel) -> [Bool] {
        let buffers = model.workspace.encoderPre + [model.workspace.prenetPre1, model.workspace.prenetPre2]
        return buffers.flatMap { $0.array().map { $0 > 0 } }
    }
}
