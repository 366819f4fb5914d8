#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// e^x, relative error about 2e-13; below −708 it gives 0 and above 709 infinity.
/// Branch-free and free of float–integer conversions (neither has a vector form before AVX-512),
/// so that the mixture loops of the Parzen estimator auto-vectorise; the library `exp` was
/// most of the cost of a TPE suggestion at 1 000 trials.
@inline(__always)
func fastExp(_ x: Double) -> Double {
    let clamped = min(max(x, -708), 709)
    // Adding 1.5·2^52 rounds to an integer n (to nearest even) held in the low mantissa bits.
    let shifted = clamped * 1.442_695_040_888_963_4 + 6_755_399_441_055_744
    let n = shifted - 6_755_399_441_055_744
    // Cody–Waite reduction: r = x − n·ln 2 in two parts.
    let r = (clamped - n * 0.693_145_751_953_125) - n * 1.428_606_820_309_417_2e-6
    // Degree-11 Taylor polynomial on |r| ≤ ln2/2.
    var p = 2.505_210_838_544_172e-8
    p = p * r + 2.755_731_922_398_589e-7
    p = p * r + 2.755_731_922_398_589e-6
    p = p * r + 2.480_158_730_158_730_2e-5
    p = p * r + 1.984_126_984_126_984e-4
    p = p * r + 1.388_888_888_888_889e-3
    p = p * r + 8.333_333_333_333_333e-3
    p = p * r + 4.166_666_666_666_666_4e-2
    p = p * r + 0.166_666_666_666_666_66
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n: n + 1023 into the exponent field (the low bits of `shifted` are n, two's complement).
    let scale = Double(bitPattern: (shifted.bitPattern &- 0x4338_0000_0000_0000 &+ 1023) &<< 52)
    return x < -708 ? 0 : (x > 709 ? .infinity : p * scale)
}

/// e^x in single precision for x ≤ 0 (below −87 gives 0), relative error about 2e-7: the
/// double-precision `fastExp`'s branch-free scheme with a degree-7 polynomial, so that loops
/// over `Float` vectorise four lanes to an SSE register. The direct Parzen sums use it.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let clamped = max(x, -87)
    // Adding 1.5·2^23 rounds to an integer n held in the low mantissa bits.
    let shifted = clamped * 1.442_695 + 12_582_912
    let n = shifted - 12_582_912
    // Cody–Waite: ln 2 in two parts, the first exact when multiplied by |n| ≤ 126.
    let r = (clamped - n * 0.693_359_375) + n * 2.121_944_4e-4
    // e^r = 1 + r + r²·P(r) on |r| ≤ ln2/2, P a minimax fit (Cephes' expf coefficients).
    var p: Float = 1.987_569_1e-4
    p = p * r + 1.398_199_9e-3
    p = p * r + 8.333_345_2e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 0.166_666_65
    p = p * r + 0.5
    let e = (p * (r * r) + r) + 1
    let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return x < -87 ? 0 : e * scale
}

/// erfc(x) for x ≥ 0 in single precision, branch-free: Abramowitz & Stegun 7.1.26 (absolute
/// error below 1.5e-7; as a relative error, 1e-9 at 0, 3e-5 at 2, 7e-4 at 3) evaluated without
/// forming 1 − erf, so that the difference of two tails keeps its relative precision.
@inline(__always)
func fastErfc(_ x: Float) -> Float {
    let t = 1 / (1 + 0.327_591_1 * x)
    var y: Float = 1.061_405_4
    y = y * t - 1.453_152
    y = y * t + 1.421_413_7
    y = y * t - 0.284_496_74
    y = y * t + 0.254_829_6
    return y * t * fastExp(-x * x)
}

/// erf(x), absolute error below 1.5e-7 (Abramowitz & Stegun 7.1.26), branch-free.
@inline(__always)
func fastErf(_ x: Double) -> Double {
    let a = abs(x)
    let t = 1 / (1 + 0.327_591_1 * a)
    var y = 1.061_405_429
    y = y * t - 1.453_152_027
    y = y * t + 1.421_413_741
    y = y * t - 0.284_496_736
    y = y * t + 0.254_829_592
    let value = 1 - y * t * fastExp(-a * a)
    return x < 0 ? -value : value
}

/// The natural logarithm of a positive normal `x`, relative error about 1e-15, branch-free and
/// free of float–integer conversions (the mantissa is reduced to [√½, √2) and
/// log m = 2 atanh((m − 1)/(m + 1)) summed as a series in s²). For loops that must vectorise
/// (the observation table's log-scale columns, the log-space binned kernels), which the
/// library `log` does not; one value at a time, the library is faster.
@inline(__always)
func fastLog(_ x: Double) -> Double {
    let bits = x.bitPattern
    // The biased exponent e as a double: 2^52 + e, minus 2^52.
    var exponent = Double(bitPattern: 0x4330_0000_0000_0000 | (bits >> 52)) - (4_503_599_627_370_496 + 1023)
    var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
    let large = m > 1.414_213_562_373_095_1
    m = large ? m * 0.5 : m
    exponent = large ? exponent + 1 : exponent
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var p = 1.0 / 19
    p = p * s2 + 1.0 / 17
    p = p * s2 + 1.0 / 15
    p = p * s2 + 1.0 / 13
    p = p * s2 + 1.0 / 11
    p = p * s2 + 1.0 / 9
    p = p * s2 + 1.0 / 7
    p = p * s2 + 1.0 / 5
    p = p * s2 + 1.0 / 3
    p = p * s2 + 1
    return exponent * 0.693_147_180_559_945_3 + 2 * s * p
}

/// log Σ exp(terms), stable: the maximum is factored out. Overwrites `terms` with the
/// exponentials (an element-wise pass that vectorises); the two reductions run four lanes wide.
func logSumExp(_ terms: UnsafeMutableBufferPointer<Double>) -> Double {
    let count = terms.count
    guard let base = terms.baseAddress, count > 0 else { return -.infinity }
    let raw = UnsafeRawPointer(base)
    var lanes = SIMD4<Double>(repeating: -.infinity)
    var i = 0
    while i + 4 <= count {
        lanes = pointwiseMax(lanes, raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self))
        i += 4
    }
    var largest = lanes.max()
    while i < count { largest = max(largest, terms[i]); i += 1 }
    guard largest.isFinite else { return largest }
    for k in 0..<count { terms[k] = fastExp(terms[k] - largest) }
    return largest + log(sum(UnsafeBufferPointer(terms)))
}

/// Σ terms, four lanes wide.
func sum(_ terms: UnsafeBufferPointer<Double>) -> Double {
    let count = terms.count
    guard let base = terms.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(base)
    var sums = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 4 <= count {
        sums += raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Double>.self)
        i += 4
    }
    var total = sums.sum()
    while i < count { total += terms[i]; i += 1 }
    return total
}

/// Σ terms in double precision, eight lanes of `Float` at a time widened to `Double`.
func sum(_ terms: UnsafeBufferPointer<Float>) -> Double {
    let count = terms.count
    guard let base = terms.baseAddress else { return 0 }
    let raw = UnsafeRawPointer(base)
    var low = SIMD4<Double>(repeating: 0), high = SIMD4<Double>(repeating: 0)
    var i = 0
    while i + 8 <= count {
        low += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self))
        high += SIMD4<Double>(raw.loadUnaligned(fromByteOffset: i * 4 + 16, as: SIMD4<Float>.self))
        i += 8
    }
    var total = (low + high).sum()
    while i < count { total += Double(terms[i]); i += 1 }
    return total
}

/// The standard normal CDF, exact (library `erf`), for set-up work outside the hot loops.
@inline(__always)
func normalCDF(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }
