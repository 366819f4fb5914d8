import Randomness

@testable import TinyTacotron

/// Small corpora and models that keep tests fast; the same code as the full size.
enum Fixtures {
    static func tinyCorpus(seed: UInt64 = 3) -> CorpusConfiguration {
        var corpus = CorpusConfiguration.miniature
        corpus.seed = seed
        return corpus
    }

    static func tinyHyperparameters() throws -> TacotronHyperparameters {
        try TacotronHyperparameters([
            "encoder_size": 6, "encoder_layers": 2, "prenet_size": 5, "decoder_size": 7, "attention_size": 4,
            "location_filters": 3, "location_kernel": 3, "batch_size": 3, "guided_attention_weight": 0.7,
            "p_attention_dropout": 0.2, "p_decoder_dropout": 0.2,
        ])
    }
}
