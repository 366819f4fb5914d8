/// The shape of the synthetic text-to-spectrogram corpus. Everything follows from `seed`.
public struct CorpusConfiguration: Sendable, Hashable, Codable {
    /// Token ids are 1…vocabularySize−1; 0 is padding.
    public var vocabularySize: Int = 32
    /// Spectral channels per frame.
    public var melChannels: Int = 16
    /// Shortest token duration, in frames.
    public var minDuration: Int = 2
    /// Longest token duration, in frames.
    public var maxDuration: Int = 6
    /// Standard deviation of the Gaussian noise added to each frame.
    public var noise: Double = 0.05
    /// Fewest tokens per utterance.
    public var minTokens: Int = 10
    /// Most tokens per utterance.
    public var maxTokens: Int = 20
    /// Training utterances.
    public var trainingUtterances: Int = 1024
    /// Validation utterances.
    public var validationUtterances: Int = 64
    /// The seed of templates, texts, durations, noise and split.
    public var seed: UInt64 = 1

    /// The defaults of the issue: V 32, 16 mel channels, durations 2–6, σ 0.05, 10–20 tokens.
    public init() {}

    /// A miniature corpus (8 tokens, 4 channels, 3–5 tokens of 1–3 frames, 16 + 4 utterances):
    /// the same code at a size that trains in milliseconds, for drills and tests.
    public static var miniature: CorpusConfiguration {
        var corpus = CorpusConfiguration()
        corpus.vocabularySize = 8
        corpus.melChannels = 4
        corpus.minDuration = 1
        corpus.maxDuration = 3
        corpus.minTokens = 3
        corpus.maxTokens = 5
        corpus.trainingUtterances = 16
        corpus.validationUtterances = 4
        return corpus
    }

    /// The longest utterance possible, in frames.
    public var maxFrames: Int { maxTokens * maxDuration }

    /// Checks that the configuration can make a corpus.
    /// - Throws: ``CorpusError`` naming the first field out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ valid: String) throws {
            if !ok { throw CorpusError(description: "corpus \(field) is invalid; it must be \(valid)") }
        }
        try check(vocabularySize >= 2, "vocabulary_size \(vocabularySize)", "at least 2")
        try check(melChannels >= 1, "mel_channels \(melChannels)", "at least 1")
        try check(minDuration >= 1 && maxDuration >= minDuration, "durations \(minDuration)…\(maxDuration)", "1 ≤ min ≤ max")
        try check(minTokens >= 1 && maxTokens >= minTokens, "tokens \(minTokens)…\(maxTokens)", "1 ≤ min ≤ max")
        try check(noise >= 0 && noise.isFinite, "noise \(noise)", "finite and ≥ 0")
        try check(trainingUtterances >= 1, "training_utterances \(trainingUtterances)", "at least 1")
        try check(validationUtterances >= 1, "validation_utterances \(validationUtterances)", "at least 1")
    }
}

/// A corpus configuration that cannot make a corpus.
public struct CorpusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and what would be valid.
    public let description: String
}
