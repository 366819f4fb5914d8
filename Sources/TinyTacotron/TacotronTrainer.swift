import Randomness

/// Trains TinyTacotron on its synthetic corpus, one optimizer step at a time.
///
/// Deterministic: the batch and dropout masks of step s are drawn from streams of the seed
/// indexed by s, so a run resumed from a checkpoint at step s takes exactly the steps an
/// uninterrupted run would have taken. One trainer belongs to one task.
public final class TacotronTrainer {
    /// The corpus it trains on.
    public let corpus: SyntheticCorpus
    /// Its hyperparameters.
    public let hyperparameters: TacotronHyperparameters
    /// Steps taken so far.
    public private(set) var step = 0
    let model: TinyTacotronModel
    let optimizer: AdamW
    private let now: @Sendable () -> Duration

    /// Number of weights in the model.
    public var parameterCount: Int { model.parameters.count }

    /// Creates a trainer with freshly initialised weights.
    /// - Parameters:
    ///   - blasThreads: OpenBLAS threads (process-wide); one per trial when trials run side by side.
    ///   - now: elapsed time, for throughput figures (the continuous clock by default).
    /// - Throws: ``CorpusError`` for an invalid corpus configuration.
    public init(corpus configuration: CorpusConfiguration = CorpusConfiguration(),
                hyperparameters: TacotronHyperparameters = TacotronHyperparameters(),
                blasThreads: Int = 1,
                now: (@Sendable () -> Duration)? = nil) throws {
        corpus = try SyntheticCorpus(configuration)
        self.hyperparameters = hyperparameters
        model = TinyTacotronModel(corpus: configuration, hyperparameters: hyperparameters,
                                  batchCapacity: hyperparameters.batchSize)
        optimizer = AdamW(model.parameters)
        let origin = ContinuousClock.now
        self.now = now ?? { origin.duration(to: .now) }
        BLAS.setThreads(blasThreads)
    }

    /// Takes one optimizer step on the next batch.
    @discardableResult
    public func trainStep() -> StepReport {
        let h = hyperparameters
        let seed = UInt64(h.seed)
        var picker = SplitMix64(seed: seed, stream: 2, index: UInt64(step))
        let utterances = (0..<h.batchSize).map { _ in
            corpus.training[Int(picker.next() % UInt64(corpus.training.count))]
        }
        let batch = TacotronBatch(utterances, mels: corpus.configuration.melChannels)
        let started = now()
        model.parameters.zeroGradients()
        let losses = model.forward(batch, training: true, dropoutStream: SplitMix64(seed: seed, stream: 3, index: UInt64(step)))
        model.backward()
        let norm = AdamW.gradientNorm(model.parameters)
        let rate = AdamW.learningRate(base: h.learningRate, step: step, warmupSteps: h.warmupSteps)
        optimizer.update(model.parameters, learningRate: rate, weightDecay: h.weightDecay, clip: h.gradClip,
                         gradientNorm: norm)
        step += 1
        let (seconds, attoseconds) = (now() - started).components
        let elapsed = max(Double(seconds) + Double(attoseconds) * 1e-18, 1e-9)
        return StepReport(step: step, losses: losses, gradientNorm: norm, learningRate: rate,
                          framesPerSecond: Double(batch.validFrames) / elapsed,
                          gflops: model.matrixFLOPs(batch) / elapsed / 1e9)
    }

    /// Evaluates the first `count` validation utterances (all by default) with teacher forcing,
    /// prenet dropout on and the other dropouts off, as Tacotron validates.
    public func validate(count: Int? = nil) -> ValidationReport {
        let chosen = Array(corpus.validation.prefix(max(1, count ?? corpus.validation.count)))
        let capacity = hyperparameters.batchSize
        var utterances: [ValidationUtterance] = []
        var weighted = (mel: 0.0, stop: 0.0, guided: 0.0, total: 0.0, frames: 0.0)
        var start = 0
        while start < chosen.count {
            let slice = Array(chosen[start..<min(chosen.count, start + capacity)])
            let batch = TacotronBatch(slice, mels: corpus.configuration.melChannels)
            let masks = SplitMix64(seed: UInt64(hyperparameters.seed), stream: 4, index: UInt64(start))
            let losses = model.forward(batch, training: false, dropoutStream: masks)
            let frames = Double(batch.validFrames)
            weighted.mel += losses.mel * frames
            weighted.stop += losses.stop * frames
            weighted.guided += losses.guided * frames
            weighted.total += losses.total * frames
            weighted.frames += frames
            utterances += extractUtterances(batch)
            start += capacity
        }
        let frames = max(weighted.frames, 1)
        let losses = TacotronLosses(mel: weighted.mel / frames, stop: weighted.stop / frames,
                                    guided: weighted.guided / frames, total: weighted.total / frames)
        return ValidationReport(step: step, losses: losses, utterances: utterances)
    }

    /// Fault injection for drills and tests: makes a weight NaN, so that this and every later
    /// loss is NaN, as after a real numerical blow-up.
    public func poisonWeights() {
        model.parameters.melBias.w[0] = .nan
    }

    /// Restores weights, optimizer state and step from a verified checkpoint.
    func restore(step restoredStep: Int, updates: Int) {
        step = restoredStep
        optimizer.updates = updates
    }

    private func extractUtterances(_ batch: TacotronBatch) -> [ValidationUtterance] {
        let ws = model.workspace
        return (0..<batch.size).map { b in
            let (frames, tokens) = (batch.frameLengths[b], batch.tokenLengths[b])
            var attention = [Float](repeating: 0, count: frames * tokens)
            var gates = [Float](repeating: 0, count: frames)
            for t in 0..<frames {
                let row = t * batch.size + b
                for j in 0..<tokens { attention[t * tokens + j] = ws.alignment[row * batch.maxTokens + j] }
                gates[t] = ws.stop[row]
            }
            return ValidationUtterance(attention: attention, frames: frames, tokens: tokens, gateLogits: gates,
                                       trueAlignment: batch.alignments[b])
        }
    }
}
