/// One named weight tensor of the model with its gradient.
final class Parameter {
    /// The name used in checkpoints (for example `gru.weight_hh`).
    let name: String
    /// The tensor's shape, row-major.
    let shape: [Int]
    /// The weights.
    let value: FloatBuffer
    /// The gradient of the loss with respect to the weights, accumulated by backward passes.
    let grad: FloatBuffer
    /// Whether weight decay applies (not to biases).
    let decays: Bool

    init(_ name: String, _ shape: [Int], decays: Bool = true) {
        self.name = name
        self.shape = shape
        let count = shape.reduce(1, *)
        value = FloatBuffer(count: count)
        grad = FloatBuffer(count: count)
        self.decays = decays
    }

    /// Number of weights.
    var count: Int { value.count }

    /// Raw pointers, for BLAS calls and loops.
    var w: UnsafeMutablePointer<Float> { value.pointer }
    var g: UnsafeMutablePointer<Float> { grad.pointer }
}
