import Testing

@testable import TinyTacotron

@Suite("Hyperparameters and corpus")
struct ValidationTests {
    @Test("valid names and values are applied; the defaults are the documented ones")
    func applied() throws {
        let h = try TacotronHyperparameters(["learning_rate": 1e-3, "batch_size": 8, "p_attention_dropout": 0])
        #expect(h.learningRate == 1e-3 && h.batchSize == 8 && h.attentionDropout == 0)
        #expect(TacotronHyperparameters().values["guided_attention_weight"] == 1)
        #expect(TacotronHyperparameters.specs.count == TacotronHyperparameters().values.count)
    }

    @Test("bad hyperparameters get an error naming the parameter and what is valid", arguments: [
        (["learning_rate": -1.0], "learning_rate"), (["learning_rate": .nan], "learning_rate"),
        (["batch_size": 0.0], "batch_size"), (["batch_size": 2.5], "whole number"),
        (["p_decoder_dropout": 1.0], "[0, 1)"), (["location_kernel": 4.0], "odd"),
        (["no_such_knob": 1.0], "valid names"), (["grad_clip": -0.1], "grad_clip"),
    ] as [([String: Double], String)])
    func rejected(values: [String: Double], mention: String) {
        let error = #expect(throws: HyperparameterError.self) { try TacotronHyperparameters(values) }
        #expect(error?.description.contains(mention) == true, "\(String(describing: error))")
    }

    @Test("the corpus is fixed by its seed, and its ground truth is consistent")
    func corpus() throws {
        let a = try SyntheticCorpus(CorpusConfiguration())
        let b = try SyntheticCorpus(CorpusConfiguration())
        #expect(a.training == b.training && a.validation == b.validation)
        var other = CorpusConfiguration()
        other.seed = 2
        #expect(try SyntheticCorpus(other).training != a.training)
        for utterance in a.training.prefix(50) + a.validation {
            #expect((10...20).contains(utterance.tokens.count))
            #expect(utterance.frameCount <= 120)
            #expect(utterance.mel.count == utterance.frameCount * 16)
            #expect(utterance.tokens.allSatisfy { (1...31).contains($0) })
            #expect(utterance.alignment.first == 0 && utterance.alignment.last == utterance.tokens.count - 1)
            // Each token is held 2…6 frames, in order.
            var runs: [Int: Int] = [:]
            for (t, token) in utterance.alignment.enumerated() {
                if t > 0 { #expect(token == utterance.alignment[t - 1] || token == utterance.alignment[t - 1] + 1) }
                runs[token, default: 0] += 1
            }
            #expect(runs.values.allSatisfy { (2...6).contains($0) })
        }
    }

    @Test("an impossible corpus configuration is refused", arguments: [
        { (c: inout CorpusConfiguration) in c.vocabularySize = 1 },
        { (c: inout CorpusConfiguration) in c.minDuration = 5; c.maxDuration = 2 },
        { (c: inout CorpusConfiguration) in c.noise = -1 },
        { (c: inout CorpusConfiguration) in c.trainingUtterances = 0 },
    ] as [@Sendable (inout CorpusConfiguration) -> Void])
    func badCorpus(change: @Sendable (inout CorpusConfiguration) -> Void) {
        var configuration = CorpusConfiguration()
        change(&configuration)
        #expect(throws: CorpusError.self) { try SyntheticCorpus(configuration) }
    }
}
