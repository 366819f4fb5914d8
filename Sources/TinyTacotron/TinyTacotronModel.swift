import Randomness

/// The losses of one batch.
public struct TacotronLosses: Sendable, Hashable, Codable {
    /// Mean squared error of the mel frames over valid frames and channels.
    public var mel: Double
    /// Stop-token binary cross-entropy (with positive weight) over valid frames.
    public var stop: Double
    /// Guided-attention penalty: per valid frame, the attention-weighted off-diagonal penalty
    /// summed over tokens, averaged over valid frames (unweighted).
    public var guided: Double
    /// `mel + stop + guided_attention_weight · guided`.
    public var total: Double
}

/// TinyTacotron: embedding → residual convolutional encoder → prenet → GRU decoder with
/// location-sensitive attention → mel and stop heads, trained with teacher forcing.
///
/// One instance belongs to one task. Forward and backward passes write into a workspace sized
/// once for the largest batch, and every matrix product goes through OpenBLAS.
final class TinyTacotronModel {
    let dimensions: ModelDimensions
    let hyperparameters: TacotronHyperparameters
    let parameters: TacotronParameters
    let workspace: Workspace
    /// The batch of the last forward pass (what backward differentiates).
    private(set) var lastBatch: TacotronBatch?
    private(set) var lastTraining = false

    /// The value given to masked attention energies: large, negative and finite, so a masked
    /// token gets exactly zero weight and no NaN can arise.
    static let maskedEnergy: Float = -1e9

    init(corpus: CorpusConfiguration, hyperparameters: TacotronHyperparameters, batchCapacity: Int) {
        dimensions = ModelDimensions(corpus: corpus, hyperparameters: hyperparameters)
        self.hyperparameters = hyperparameters
        parameters = TacotronParameters(dimensions)
        parameters.initialize(seed: UInt64(hyperparameters.seed))
        workspace = Workspace(dimensions, batch: max(1, batchCapacity), frames: max(1, corpus.maxFrames),
                              tokens: max(1, corpus.maxTokens))
    }

    /// Runs the model on `batch` and returns its losses; keeps the activations for ``backward()``.
    /// `dropoutStream` fixes the dropout masks (training: query, output and prenet dropout;
    /// validation: prenet dropout only).
    func forward(_ batch: TacotronBatch, training: Bool, dropoutStream: SplitMix64) -> TacotronLosses {
        precondition(batch.size <= workspace.batch && batch.maxFrames <= workspace.frames
                     && batch.maxTokens <= workspace.tokens, "batch larger than the workspace")
        lastBatch = batch
        lastTraining = training
        var rng = dropoutStream
        fillDropoutMasks(batch, training: training, rng: &rng)
        encoderForward(batch)
        prenetForward(batch)
        decoderForward(batch, training: training)
        return computeLosses(batch)
    }

    /// Accumulates the gradient of the last forward pass's total loss into the parameters'
    /// gradients (call `parameters.zeroGradients()` first for a fresh gradient).
    func backward() {
        guard let batch = lastBatch else { return }
        decoderBackward(batch)
        prenetBackward(batch)
        encoderBackward(batch)
    }

    private func fillDropoutMasks(_ batch: TacotronBatch, training: Bool, rng: inout SplitMix64) {
        let rows = batch.maxFrames * batch.size
        func fill(_ buffer: FloatBuffer, count: Int, probability: Double, active: Bool) {
            guard active, probability > 0 else {
                buffer.pointer.update(repeating: 1, count: count)
                return
            }
            let keep = Float(1 / (1 - probability))
            let threshold = UInt64(probability * 0x1p53)
            for index in 0..<count { buffer[index] = (rng.next() >> 11) < threshold ? 0 : keep }
        }
        let h = hyperparameters
        fill(workspace.prenetMask1, count: rows * dimensions.prenet, probability: h.prenetDropout, active: true)
        fill(workspace.prenetMask2, count: rows * dimensions.prenet, probability: h.prenetDropout, active: true)
        fill(workspace.queryMask, count: rows * dimensions.decoder, probability: h.attentionDropout, active: training)
        fill(workspace.outputMask, count: rows * dimensions.decoder, probability: h.decoderDropout, active: training)
    }
}

/// Adds the column sums of a `rows × columns` row-major matrix to `target`.
@inline(__always)
func addColumnSums(_ source: UnsafePointer<Float>, rows: Int, columns: Int, into target: UnsafeMutablePointer<Float>) {
    for row in 0..<rows {
        let line = source + row * columns
        for column in 0..<columns { target[column] += line[column] }
    }
}

/// Adds `bias` to every row of a `rows × columns` row-major matrix.
@inline(__always)
func addRowBias(_ bias: UnsafePointer<Float>, rows: Int, columns: Int, to target: UnsafeMutablePointer<Float>) {
    for row in 0..<rows {
        let line = target + row * columns
        for column in 0..<columns { line[column] += bias[column] }
    }
}
