/// Everything about TinyTacotron that a tuner may set, with defaults and validation.
///
/// Build it from names and values with ``init(_:)``: unknown names, wrong kinds and values out
/// of range are refused with an error that says what would be valid.
public struct TacotronHyperparameters: Sendable, Hashable, Codable {
    /// Adam step size.
    public var learningRate: Double = 2e-3
    /// Utterances per step.
    public var batchSize: Int = 16
    /// Global gradient-norm clip (0 turns clipping off).
    public var gradClip: Double = 1.0
    /// Decoupled weight decay (AdamW).
    public var weightDecay: Double = 1e-6
    /// Weight of the guided-attention loss.
    public var guidedAttentionWeight: Double = 1.0
    /// Width g of the guided-attention penalty.
    public var guidedAttentionSigma: Double = 0.2
    /// Dropout on the attention query (training only).
    public var attentionDropout: Double = 0.1
    /// Dropout on the decoder state fed to the output heads (training only).
    public var decoderDropout: Double = 0.1
    /// Prenet dropout (kept on at validation, as Tacotron does).
    public var prenetDropout: Double = 0.5
    /// Embedding and encoder width.
    public var encoderSize: Int = 64
    /// Residual convolution layers in the encoder.
    public var encoderLayers: Int = 1
    /// Prenet width.
    public var prenetSize: Int = 32
    /// Decoder GRU width.
    public var decoderSize: Int = 128
    /// Attention width.
    public var attentionSize: Int = 32
    /// Location-feature filters.
    public var locationFilters: Int = 8
    /// Location-feature kernel size (odd).
    public var locationKernel: Int = 15
    /// Positive-class weight of the stop loss.
    public var stopPosWeight: Double = 5
    /// Linear learning-rate warm-up steps (0 for none).
    public var warmupSteps: Int = 0
    /// Seed of the weights, batches and dropout.
    public var seed: Int = 1

    /// The defaults.
    public init() {}

    /// The tuner-facing name, kind and valid range of each hyperparameter.
    public static let specs: [HyperparameterSpec] = [
        .real("learning_rate", \.learningRate, "> 0 and finite", { $0 > 0 }),
        .integer("batch_size", \.batchSize, "an integer from 1 to 1024", { (1...1024).contains($0) }),
        .real("grad_clip", \.gradClip, "≥ 0 (0 turns clipping off)", { $0 >= 0 }),
        .real("weight_decay", \.weightDecay, "≥ 0", { $0 >= 0 }),
        .real("guided_attention_weight", \.guidedAttentionWeight, "≥ 0", { $0 >= 0 }),
        .real("guided_attention_sigma", \.guidedAttentionSigma, "> 0", { $0 > 0 }),
        .real("p_attention_dropout", \.attentionDropout, "in [0, 1)", { $0 >= 0 && $0 < 1 }),
        .real("p_decoder_dropout", \.decoderDropout, "in [0, 1)", { $0 >= 0 && $0 < 1 }),
        .real("p_prenet_dropout", \.prenetDropout, "in [0, 1)", { $0 >= 0 && $0 < 1 }),
        .integer("encoder_size", \.encoderSize, "an integer from 4 to 1024", { (4...1024).contains($0) }),
        .integer("encoder_layers", \.encoderLayers, "an integer from 0 to 8", { (0...8).contains($0) }),
        .integer("prenet_size", \.prenetSize, "an integer from 4 to 1024", { (4...1024).contains($0) }),
        .integer("decoder_size", \.decoderSize, "an integer from 4 to 2048", { (4...2048).contains($0) }),
        .integer("attention_size", \.attentionSize, "an integer from 2 to 1024", { (2...1024).contains($0) }),
        .integer("location_filters", \.locationFilters, "an integer from 1 to 128", { (1...128).contains($0) }),
        .integer("location_kernel", \.locationKernel, "an odd integer from 1 to 63", { (1...63).contains($0) && $0 % 2 == 1 }),
        .real("stop_pos_weight", \.stopPosWeight, "> 0", { $0 > 0 }),
        .integer("warmup_steps", \.warmupSteps, "an integer ≥ 0", { $0 >= 0 }),
        .integer("seed", \.seed, "an integer ≥ 0", { $0 >= 0 }),
    ]

    /// The defaults with `values` applied by name.
    /// - Throws: ``HyperparameterError`` for an unknown name, a non-integer where an integer
    ///   is needed, or a value out of range.
    public init(_ values: [String: Double]) throws {
        self.init()
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let spec = Self.specs.first(where: { $0.name == name }) else {
                throw HyperparameterError.unknown(name: name, valid: Self.specs.map(\.name))
            }
            try spec.apply(value, &self)
        }
    }

    /// Every hyperparameter by its tuner-facing name.
    public var values: [String: Double] {
        Dictionary(uniqueKeysWithValues: Self.specs.map { ($0.name, $0.read(self)) })
    }
}

/// One hyperparameter's name, kind and valid range.
public struct HyperparameterSpec: Sendable {
    /// The tuner-facing name.
    public let name: String
    /// Whether the value must be a whole number.
    public let isInteger: Bool
    /// What values are valid, in words.
    public let validRange: String
    let read: @Sendable (TacotronHyperparameters) -> Double
    let apply: @Sendable (Double, inout TacotronHyperparameters) throws -> Void

    static func real(_ name: String, _ path: WritableKeyPath<TacotronHyperparameters, Double> & Sendable,
                     _ validRange: String, _ isValid: @escaping @Sendable (Double) -> Bool) -> HyperparameterSpec {
        HyperparameterSpec(name: name, isInteger: false, validRange: validRange, read: { $0[keyPath: path] }) { value, target in
            guard value.isFinite, isValid(value) else {
                throw HyperparameterError.outOfRange(name: name, value: value, valid: validRange)
            }
            target[keyPath: path] = value
        }
    }

    static func integer(_ name: String, _ path: WritableKeyPath<TacotronHyperparameters, Int> & Sendable,
                        _ validRange: String, _ isValid: @escaping @Sendable (Int) -> Bool) -> HyperparameterSpec {
        HyperparameterSpec(name: name, isInteger: true, validRange: validRange, read: { Double($0[keyPath: path]) }) { value, target in
            guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else {
                throw HyperparameterError.notAnInteger(name: name, value: value, valid: validRange)
            }
            guard isValid(Int(value)) else {
                throw HyperparameterError.outOfRange(name: name, value: value, valid: validRange)
            }
            target[keyPath: path] = Int(value)
        }
    }
}

/// A hyperparameter that TinyTacotron cannot accept.
public enum HyperparameterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No hyperparameter has this name.
    case unknown(name: String, valid: [String])
    /// The value must be a whole number.
    case notAnInteger(name: String, value: Double, valid: String)
    /// The value is outside the valid range.
    case outOfRange(name: String, value: Double, valid: String)

    public var description: String {
        switch self {
        case .unknown(let name, let valid):
            return "unknown hyperparameter '\(name)'; valid names: \(valid.joined(separator: ", "))"
        case .notAnInteger(let name, let value, let valid):
            return "hyperparameter '\(name)' = \(value) is not a whole number; it must be \(valid)"
        case .outOfRange(let name, let value, let valid):
            return "hyperparameter '\(name)' = \(value) is out of range; it must be \(valid)"
        }
    }
}
