/// A one-dimensional mixture's kernels as `Float` columns, for ``DirectDensity``: means as unit
/// coordinates (u = (x − low) / (high − low)), scales s = 1 / (σ√2) in those units, and
/// coefficients divided by the largest, which ``sum(using:near:within:_:)`` multiplies back.
///
/// Two savings, neither of which changes a sum beyond rounding:
/// - Kernels with the same mean and bandwidth merge into one whose coefficient is their sum.
///   Observations on a grid (integers, stepped floats) repeat, and equal neighbours share a
///   bandwidth, so a long history costs what its distinct values cost (at most three kernels
///   per grid value).
/// - The narrow kernels (scale at least 0.8 of the largest) are kept sorted by mean. A term
///   whose exponent is below −87 is exactly 0 in `Float`, which for a narrow kernel happens
///   beyond ``reach`` of its mean, so a sum visits only the narrow kernels within reach of the
///   point (found by binary search) and all the others. A history spread over the range is
///   mostly narrow kernels, each reaching about a sixth of it.
struct KernelColumns {
    let low: Double, unit: Double, magnitude: Double
    /// The columns: the narrow kernels (the first `narrowCount`) sorted by mean, then the rest.
    let mu: [Float], scale: [Float], coefficient: [Float]
    let narrowCount: Int
    /// The distance (unit coordinates) beyond which every narrow kernel's term is 0.
    let reach: Float
    /// The largest scale: how narrow the narrowest kernel is, in units of the range.
    let largestScale: Double

    /// The kernels of a mixture on [low, high] with means `mu` and bandwidths `sigma` (internal
    /// coordinates; the last kernel is the prior), `order` listing the others by ascending mean,
    /// and `coefficient(k)` the factor of kernel k's term.
    init(low: Double, high: Double, mu: [Double], sigma: [Double], order: [Int], coefficient: (Int) -> Double) {
        let unit = high > low ? high - low : 1
        // Merge equal (mean, bandwidth) neighbours in sorted order; the prior stays on its own.
        var merged: [(mu: Double, sigma: Double, coefficient: Double)] = []
        merged.reserveCapacity(mu.count)
        for k in order {
            if let last = merged.last, last.mu == mu[k], last.sigma == sigma[k] {
                merged[merged.count - 1].coefficient += coefficient(k)
            } else {
                merged.append((mu[k], sigma[k], coefficient(k)))
            }
        }
        let observed = merged.count
        if let prior = mu.indices.last { merged.append((mu[prior], sigma[prior], coefficient(prior))) }
        let scales = merged.map { 0.707_106_781_186_547_5 * unit / $0.sigma }
        let largestScale = scales.max() ?? 0
        let largest = merged.map(\.coefficient).max() ?? 0
        let magnitude = largest > 0 && largest.isFinite ? largest : 1
        // Narrow: an observation's kernel with a scale of at least 0.8 of the largest. Its term
        // is e^(−((u − m) s)²) times a coefficient, 0 once (u − m) s > 9.4 (exponent below −88).
        let threshold = 0.8 * largestScale
        let narrow = (0..<observed).filter { scales[$0] >= threshold }
        let wide = (0..<observed).filter { scales[$0] < threshold } + Array(observed..<merged.count)
        let columns = narrow + wide
        self.low = low
        self.unit = unit
        self.magnitude = magnitude
        self.largestScale = largestScale
        narrowCount = narrow.count
        reach = narrow.isEmpty ? 0 : Float(9.4 / threshold)
        self.mu = columns.map { Float((merged[$0].mu - low) / unit) }
        scale = columns.map { Float(scales[$0]) }
        self.coefficient = columns.map { Float(merged[$0].coefficient / magnitude) }
    }

    /// `x` (an internal coordinate) in the columns' units.
    func unitCoordinate(_ x: Double) -> Float { Float((x - low) / unit) }

    /// Σ over the kernels of `term(m, s, c)` at a point `centre` (a bin of half-width `within`
    /// around it, unit coordinates) whose terms vanish beyond ``reach`` of it: the narrow
    /// kernels within reach and all the others, in element-wise passes into `scratch` that the
    /// compiler vectorises (the closure is inlined), then a sum in double precision.
    @inline(__always)
    func sum(using scratch: UnsafeMutableBufferPointer<Float>, near centre: Float, within halfWidth: Float = 0,
             _ term: (Float, Float, Float) -> Float) -> Double {
        let radius = reach + halfWidth
        return mu.withUnsafeBufferPointer { mu in scale.withUnsafeBufferPointer { scale in coefficient.withUnsafeBufferPointer { coefficient in
            let first = Self.firstIndex(in: mu, upTo: narrowCount) { $0 >= centre - radius }
            let end = max(first, Self.firstIndex(in: mu, upTo: narrowCount) { $0 > centre + radius })
            let near = end - first, count = end - first + mu.count - narrowCount
            Self.fill(UnsafeMutableBufferPointer(rebasing: scratch[..<near]), UnsafeBufferPointer(rebasing: mu[first...]),
                      UnsafeBufferPointer(rebasing: scale[first...]), UnsafeBufferPointer(rebasing: coefficient[first...]), term)
            Self.fill(UnsafeMutableBufferPointer(rebasing: scratch[near..<count]), UnsafeBufferPointer(rebasing: mu[narrowCount...]),
                      UnsafeBufferPointer(rebasing: scale[narrowCount...]), UnsafeBufferPointer(rebasing: coefficient[narrowCount...]), term)
            return magnitude * Optimization.sum(UnsafeBufferPointer(rebasing: scratch[..<count]))
        } } }
    }

    /// `terms[k] = term(mu[k], scale[k], coefficient[k])` for each k of `terms`: a plain loop the
    /// compiler vectorises once `term` is inlined.
    @inline(__always)
    private static func fill(_ terms: UnsafeMutableBufferPointer<Float>, _ mu: UnsafeBufferPointer<Float>,
                             _ scale: UnsafeBufferPointer<Float>, _ coefficient: UnsafeBufferPointer<Float>,
                             _ term: (Float, Float, Float) -> Float) {
        for k in 0..<terms.count { terms[k] = term(mu[k], scale[k], coefficient[k]) }
    }

    /// The first index below `end` whose mean satisfies `isPast` (a predicate false then true
    /// along the sorted means), or `end`.
    @inline(__always)
    private static func firstIndex(in mu: UnsafeBufferPointer<Float>, upTo end: Int, where isPast: (Float) -> Bool) -> Int {
        var (low, high) = (0, end)
        while low < high {
            let middle = (low + high) / 2
            if isPast(mu[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
