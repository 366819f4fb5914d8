import Randomness

/// One synthetic utterance with its exact ground truth.
public struct Utterance: Sendable, Hashable {
    /// Token ids, 1…V−1.
    public let tokens: [Int32]
    /// Frames, row-major: `frames × melChannels`.
    public let mel: [Float]
    /// The token index each frame belongs to.
    public let alignment: [Int]

    /// Number of frames.
    public var frameCount: Int { alignment.count }
}

/// A deterministic text-to-spectrogram corpus: each token has a fixed spectral template,
/// held for a random duration, with Gaussian noise. Because durations are known, the true
/// alignment of every frame is known.
public struct SyntheticCorpus: Sendable {
    /// The configuration it was made from.
    public let configuration: CorpusConfiguration
    /// Each token's template (`vocabularySize × melChannels`; row 0 unused).
    public let templates: [Float]
    /// The training utterances.
    public let training: [Utterance]
    /// The validation utterances (a fixed split by seed).
    public let validation: [Utterance]

    /// Makes the corpus described by `configuration`.
    /// - Throws: ``CorpusError`` if the configuration is invalid.
    public init(_ configuration: CorpusConfiguration = CorpusConfiguration()) throws {
        try configuration.validate()
        self.configuration = configuration
        var rng = SplitMix64(seed: configuration.seed)
        let mels = configuration.melChannels
        templates = (0..<(configuration.vocabularySize * mels)).map { _ in Float(rng.nextUnit() * 2 - 1) }
        let templates = self.templates
        func utterance() -> Utterance {
            let count = rng.integer(in: configuration.minTokens...configuration.maxTokens)
            var tokens: [Int32] = []
            var mel: [Float] = []
            var alignment: [Int] = []
            for index in 0..<count {
                let token = rng.integer(in: 1...(configuration.vocabularySize - 1))
                tokens.append(Int32(token))
                for _ in 0..<rng.integer(in: configuration.minDuration...configuration.maxDuration) {
                    for channel in 0..<mels {
                        mel.append(templates[token * mels + channel] + Float(rng.gaussian() * configuration.noise))
                    }
                    alignment.append(index)
                }
            }
            return Utterance(tokens: tokens, mel: mel, alignment: alignment)
        }
        training = (0..<configuration.trainingUtterances).map { _ in utterance() }
        validation = (0..<configuration.validationUtterances).map { _ in utterance() }
    }
}

