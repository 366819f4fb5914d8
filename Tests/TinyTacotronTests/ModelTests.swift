import Randomness
import Testing

@testable import TinyTacotron

@Suite("TinyTacotron model")
struct ModelTests {
    @Test("attention rows sum to 1 and padded tokens get exactly 0")
    func attentionRows() throws {
        let configuration = Fixtures.tinyCorpus()
        let corpus = try SyntheticCorpus(configuration)
        let model = TinyTacotronModel(corpus: configuration, hyperparameters: try Fixtures.tinyHyperparameters(), batchCapacity: 3)
        let batch = TacotronBatch(Array(corpus.training.prefix(3)), mels: configuration.melChannels)
        #expect(Set(batch.tokenLengths).count > 1, "the batch must mix text lengths so that some tokens are padding")
        _ = model.forward(batch, training: true, dropoutStream: SplitMix64(seed: 1))
        let (B, N) = (batch.size, batch.maxTokens)
        for t in 0..<batch.maxFrames {
            for b in 0..<B {
                let row = (0..<N).map { model.workspace.alignment[(t * B + b) * N + $0] }
                #expect(abs(row.reduce(0, +) - 1) < 1e-5)
                for j in batch.tokenLengths[b]..<N { #expect(row[j] == 0, "padded token \(j) of utterance \(b) at frame \(t)") }
                #expect(row.allSatisfy { $0.isFinite && $0 >= 0 })
            }
        }
    }

    @Test("it overfits one batch")
    func overfitsOneBatch() throws {
        let configuration = Fixtures.tinyCorpus()
        let corpus = try SyntheticCorpus(configuration)
        var hyperparameters = try Fixtures.tinyHyperparameters()
        hyperparameters.learningRate = 1e-2
        hyperparameters.prenetDropout = 0
        hyperparameters.attentionDropout = 0
        hyperparameters.decoderDropout = 0
        let model = TinyTacotronModel(corpus: configuration, hyperparameters: hyperparameters, batchCapacity: 3)
        let optimizer = AdamW(model.parameters)
        let batch = TacotronBatch(Array(corpus.training.prefix(3)), mels: configuration.melChannels)
        var first: TacotronLosses?
        var last: TacotronLosses?
        for _ in 0..<400 {
            model.parameters.zeroGradients()
            let losses = model.forward(batch, training: true, dropoutStream: SplitMix64(seed: 1))
            model.backward()
            let norm = AdamW.gradientNorm(model.parameters)
            optimizer.update(model.parameters, learningRate: 1e-2, weightDecay: 0, clip: 1, gradientNorm: norm)
            if first == nil { first = losses }
            last = losses
        }
        let start = try #require(first), end = try #require(last)
        #expect(end.mel < start.mel * 0.1, "mel loss \(start.mel) → \(end.mel)")
        #expect(end.total < start.total * 0.25, "total loss \(start.total) → \(end.total)")
    }

    @Test("a step takes the same batch and dropout whenever it is taken, so training is reproducible")
    func reproducible() throws {
        let first = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        let second = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        for _ in 0..<5 {
            #expect(first.trainStep().losses == second.trainStep().losses)
        }
        #expect(first.validate().losses == second.validate().losses)
    }
}
