/// A fixed-size, zero-initialised block of `Float`s that owns its memory.
///
/// The model's weights, gradients and activations live in these so that hot loops and BLAS
/// calls work on stable pointers, with no copy-on-write checks and no allocation per step.
/// Not `Sendable`: a buffer belongs to one model, used by one task at a time.
final class FloatBuffer {
    /// Number of floats.
    let count: Int
    /// The storage.
    let pointer: UnsafeMutablePointer<Float>

    init(count: Int) {
        self.count = max(0, count)
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, self.count))
        pointer.initialize(repeating: 0, count: max(1, self.count))
    }

    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    /// Sets the first `count` values (all by default) to zero.
    func zero(_ count: Int? = nil) {
        pointer.update(repeating: 0, count: min(self.count, count ?? self.count))
    }

    /// A copy of the first `count` values (all by default).
    func array(_ count: Int? = nil) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: min(self.count, count ?? self.count)))
    }

    /// Copies `values` into the start of the buffer.
    func assign(_ values: [Float]) {
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: min(count, values.count)) }
        }
    }

    subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
