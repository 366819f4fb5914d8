#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a numeric parameter maps to the internal space TPE models it in: the log of the value
/// on a log scale, the value otherwise; discrete values (integers, stepped floats) own a bin
/// of one step, so the range widens by half a step at each end.
struct NumericTransform {
    let distribution: Distribution
    /// The internal range.
    let low: Double
    let high: Double
    /// Whether values are on a grid.
    let isDiscrete: Bool
    private let logScale: Bool
    private let step: Double

    init(_ distribution: Distribution) {
        self.distribution = distribution
        var lowValue = 0.0, highValue = 1.0, onLog = false, stepValue = 0.0
        switch distribution {
        case .float(let l, let h, let lg, let s):
            (lowValue, highValue, onLog, stepValue) = (l, h, lg, s ?? 0)
        case .int(let l, let h, let lg, let s):
            (lowValue, highValue, onLog, stepValue) = (Double(l), Double(h), lg, Double(s))
        case .categorical:
            break
        }
        isDiscrete = stepValue > 0
        logScale = onLog
        step = stepValue
        let widenedLow = lowValue - stepValue / 2, widenedHigh = highValue + stepValue / 2
        low = onLog ? log(max(widenedLow, .leastNormalMagnitude)) : widenedLow
        high = onLog ? log(widenedHigh) : widenedHigh
    }

    /// The internal coordinate of `value`.
    func internalValue(_ value: ParameterValue) -> Double {
        let x = value.number ?? 0
        return logScale ? log(max(x, .leastNormalMagnitude)) : x
    }

    /// Replaces each value of `column` (NaN kept) by its internal coordinate: on a log scale, a
    /// pass of the branch-free logarithm that the compiler vectorises (TPE converts every
    /// observation of every parameter, and the scalar library call was most of that).
    func toInternal(_ column: inout [Double]) {
        guard logScale else { return }
        column.withUnsafeMutableBufferPointer { column in
            for i in column.indices {
                let x = column[i]
                column[i] = x.isNaN ? x : fastLog(max(x, .leastNormalMagnitude))
            }
        }
    }

    /// The bin [lower, upper] of a discrete `value`, in internal space, within [low, high].
    func bin(of value: ParameterValue, low: Double, high: Double) -> (Double, Double) {
        let x = value.number ?? 0
        let lower = x - step / 2, upper = x + step / 2
        if logScale { return (max(low, log(max(lower, .leastNormalMagnitude))), min(high, log(upper))) }
        return (max(low, lower), min(high, upper))
    }

    /// The parameter value at internal coordinate `x`, snapped to the grid and clamped.
    func externalValue(_ x: Double) -> ParameterValue {
        let value = logScale ? exp(x) : x
        switch distribution {
        case .float(let l, let h, _, let s):
            guard let s else { return .float(min(h, max(l, value))) }
            let k = ((value - l) / s).rounded()
            let maxK = ((h - l) / s + 1e-9).rounded(.down)
            return .float(l + min(max(k, 0), maxK) * s)
        case .int(let l, let h, _, let s):
            let k = ((value - Double(l)) / Double(s)).rounded()
            let maxK = Double((h - l) / s)
            return .int(l + Int(min(max(k, 0), maxK)) * s)
        case .categorical(let choices):
            return choices[0]
        }
    }
}
