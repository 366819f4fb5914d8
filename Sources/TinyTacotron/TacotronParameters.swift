import Randomness

/// The model's sizes, fixed by the corpus and the hyperparameters.
struct ModelDimensions: Hashable, Sendable {
    let vocabulary: Int
    let mels: Int
    let encoder: Int
    let encoderLayers: Int
    let encoderKernel = 5
    let prenet: Int
    let decoder: Int
    let attention: Int
    let locationFilters: Int
    let locationKernel: Int

    init(corpus: CorpusConfiguration, hyperparameters: TacotronHyperparameters) {
        vocabulary = corpus.vocabularySize
        mels = corpus.melChannels
        encoder = hyperparameters.encoderSize
        encoderLayers = hyperparameters.encoderLayers
        prenet = hyperparameters.prenetSize
        decoder = hyperparameters.decoderSize
        attention = hyperparameters.attentionSize
        locationFilters = hyperparameters.locationFilters
        locationKernel = hyperparameters.locationKernel
    }

    /// Width of the output heads' input: decoder state and context.
    var headInput: Int { decoder + encoder }
}

/// Every weight of TinyTacotron, in a fixed order (the checkpoint order).
final class TacotronParameters {
    let embedding: Parameter
    let convWeights: [Parameter]
    let convBiases: [Parameter]
    let prenet1: Parameter, prenet1Bias: Parameter
    let prenet2: Parameter, prenet2Bias: Parameter
    /// GRU input weights for the prenet part, the context part, and the input bias; gates r, z, n.
    let gruInputPrenet: Parameter, gruInputContext: Parameter, gruInputBias: Parameter
    let gruHidden: Parameter, gruHiddenBias: Parameter
    let attentionQuery: Parameter, attentionKey: Parameter
    let locationConv: Parameter, locationDense: Parameter
    let attentionBias: Parameter, attentionV: Parameter
    let melWeight: Parameter, melBias: Parameter
    let stopWeight: Parameter, stopBias: Parameter
    /// All of the above, in checkpoint order.
    let all: [Parameter]

    init(_ d: ModelDimensions) {
        embedding = Parameter("embedding", [d.vocabulary, d.encoder])
        convWeights = (0..<d.encoderLayers).map { Parameter("encoder.\($0).weight", [d.encoderKernel * d.encoder, d.encoder]) }
        convBiases = (0..<d.encoderLayers).map { Parameter("encoder.\($0).bias", [d.encoder], decays: false) }
        prenet1 = Parameter("prenet.0.weight", [d.mels, d.prenet])
        prenet1Bias = Parameter("prenet.0.bias", [d.prenet], decays: false)
        prenet2 = Parameter("prenet.1.weight", [d.prenet, d.prenet])
        prenet2Bias = Parameter("prenet.1.bias", [d.prenet], decays: false)
        gruInputPrenet = Parameter("gru.weight_ip", [d.prenet, 3 * d.decoder])
        gruInputContext = Parameter("gru.weight_ic", [d.encoder, 3 * d.decoder])
        gruInputBias = Parameter("gru.bias_ih", [3 * d.decoder], decays: false)
        gruHidden = Parameter("gru.weight_hh", [d.decoder, 3 * d.decoder])
        gruHiddenBias = Parameter("gru.bias_hh", [3 * d.decoder], decays: false)
        attentionQuery = Parameter("attention.query", [d.decoder, d.attention])
        attentionKey = Parameter("attention.key", [d.encoder, d.attention])
        locationConv = Parameter("attention.location_conv", [2 * d.locationKernel, d.locationFilters])
        locationDense = Parameter("attention.location_dense", [d.locationFilters, d.attention])
        attentionBias = Parameter("attention.bias", [d.attention], decays: false)
        attentionV = Parameter("attention.v", [d.attention])
        melWeight = Parameter("mel.weight", [d.headInput, d.mels])
        melBias = Parameter("mel.bias", [d.mels], decays: false)
        stopWeight = Parameter("stop.weight", [d.headInput, 1])
        stopBias = Parameter("stop.bias", [1], decays: false)
        var list = [embedding]
        for layer in 0..<d.encoderLayers { list += [convWeights[layer], convBiases[layer]] }
        list += [prenet1, prenet1Bias, prenet2, prenet2Bias, gruInputPrenet, gruInputContext, gruInputBias,
                 gruHidden, gruHiddenBias, attentionQuery, attentionKey, locationConv, locationDense,
                 attentionBias, attentionV, melWeight, melBias, stopWeight, stopBias]
        all = list
    }

    /// Total number of weights.
    var count: Int { all.reduce(0) { $0 + $1.count } }

    /// Glorot-uniform weights, zero biases, a small normal embedding; fixed by `seed`.
    func initialize(seed: UInt64) {
        var rng = SplitMix64(seed: seed, stream: 0)
        for parameter in all where parameter.decays {
            let fanIn = parameter.shape[0]
            let fanOut = parameter.shape.count > 1 ? parameter.shape[1] : 1
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            for index in 0..<parameter.count {
                parameter.w[index] = Float((rng.nextUnit() * 2 - 1) * limit)
            }
        }
        for index in 0..<embedding.count { embedding.w[index] = Float(rng.gaussian() * 0.3) }
        // A GRU that starts by carrying its state (update gate biased open) trains more stably.
        let h = gruHidden.shape[0]
        for unit in 0..<h { gruHiddenBias.w[h + unit] = 1 }
    }

    /// Sets every gradient to zero.
    func zeroGradients() {
        for parameter in all { parameter.grad.zero() }
    }
}
