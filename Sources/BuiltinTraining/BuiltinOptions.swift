import TinyTacotron
import Training

/// The built-in trainer's settings, as they travel in a ``TrainRequest``'s options (`corpus`,
/// `corpus_seed`, `blas_threads`): typed here, plain JSON values on the wire, ignored by every
/// other trainer.
public struct BuiltinOptions: Sendable, Hashable {
    /// The synthetic corpus's shape.
    public enum CorpusShape: String, Sendable, Hashable, CaseIterable {
        /// The reference corpus.
        case standard
        /// A drill-size corpus (``CorpusConfiguration/miniature``).
        case miniature

        /// The configuration of this shape.
        public var configuration: CorpusConfiguration { self == .miniature ? .miniature : CorpusConfiguration() }
    }

    /// The corpus shape (`nil`: the trainer's own default).
    public var corpus: CorpusShape?
    /// The corpus's seed.
    public var corpusSeed: UInt64 = 1
    /// BLAS threads (one per trial when trials run side by side).
    public var blasThreads: Int = 1

    /// The defaults.
    public init(corpus: CorpusShape? = nil, corpusSeed: UInt64 = 1, blasThreads: Int = 1) {
        self.corpus = corpus
        self.corpusSeed = corpusSeed
        self.blasThreads = blasThreads
    }

    /// The options of `request`; missing or unreadable ones take their defaults.
    public init(_ request: TrainRequest) {
        corpus = request.options["corpus"]?.string.flatMap(CorpusShape.init(rawValue:))
        corpusSeed = request.options["corpus_seed"]?.number.flatMap { $0 >= 0 && $0 < 1.8e19 ? UInt64($0) : nil } ?? 1
        blasThreads = request.options["blas_threads"]?.number.flatMap { $0 >= 1 && $0 <= 256 ? Int($0) : nil } ?? 1
    }

    /// Writes these options into `request`.
    public func apply(to request: inout TrainRequest) {
        if let corpus { request.options["corpus"] = .string(corpus.rawValue) } else { request.options["corpus"] = nil }
        request.options["corpus_seed"] = .number(Double(corpusSeed))
        request.options["blas_threads"] = .number(Double(blasThreads))
    }
}

extension TrainRequest {
    /// The built-in trainer's options of this request.
    public var builtin: BuiltinOptions {
        get { BuiltinOptions(self) }
        set { newValue.apply(to: &self) }
    }
}
