#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small, fast, seeded random-number generator (Steele, Lea and Flood's SplitMix64).
///
/// Value semantics: copying it copies its state, so two copies produce the same sequence.
/// Used wherever SmartTuner needs randomness that tests can repeat; nothing in SmartTuner
/// draws from a global generator.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    @usableFromInline var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    @inlinable
    public init(seed: UInt64) { self.state = seed }

    /// A generator for one of many independent streams of one seed (for example, one per
    /// training step), so that any stream can be recreated without replaying the others.
    public init(seed: UInt64, stream: UInt64, index: UInt64 = 0) {
        var mixer = SplitMix64(seed: seed ^ 0x5851_F42D_4C95_7F2D)
        let a = mixer.next()
        var second = SplitMix64(seed: a ^ (stream &* 0xD6E8_FEB8_6659_FD93))
        let b = second.next()
        var third = SplitMix64(seed: b ^ (index &* 0x9E37_79B9_7F4A_7C15))
        self.state = third.next()
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform value in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform integer in `range` (modulo bias below 2⁻⁵⁰ for the small ranges used here).
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// A standard normal value (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
