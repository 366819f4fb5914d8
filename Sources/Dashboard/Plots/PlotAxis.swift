import Foundation

/// One axis of a plot: the data range it shows, mapped onto a pixel range, with "nice" ticks
/// (steps of 1, 2 or 5 × 10ⁿ) that people read at a glance.
struct PlotAxis: Sendable {
    /// The lowest and highest value shown.
    let low: Double, high: Double
    /// The pixel positions of `low` and `high`.
    let start: Double, end: Double

    /// Whether ticks fall on whole numbers only (trial numbers, counts).
    let integers: Bool

    /// An axis covering `values` (finite ones only; a flat or empty range is widened), on
    /// `start`…`end` pixels; with `integers`, ticks are whole numbers.
    init(covering values: [Double], from start: Double, to end: Double, integers: Bool = false) {
        self.integers = integers
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low < 1e-12 * max(1, abs(high)) {
            let pad = max(abs(high) * 0.05, 0.5)
            low -= pad
            high += pad
        }
        let step = Self.niceStep((high - low) / 5, integers: integers)
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
        self.start = start
        self.end = end
    }

    /// The pixel position of `value`.
    func position(_ value: Double) -> Double {
        start + (value - low) / (high - low) * (end - start)
    }

    /// Tick values: multiples of a nice step within the range.
    var ticks: [Double] {
        let step = Self.niceStep((high - low) / 5, integers: integers)
        let count = min(11, Int(((high - low) / step).rounded()))
        return (0...max(count, 0)).map { index in
            let value = low + Double(index) * step
            return abs(value) < step * 1e-9 ? 0 : value
        }
    }

    /// Ticks of an axis drawn in log10 units: the exponents of 1, 2 and 5 × 10ⁿ within the range
    /// (only powers of ten when the range spans more than two decades).
    var logTicks: [Double] {
        let multiples: [Double] = high - low > 2 ? [1] : [1, 2, 5]
        var ticks: [Double] = []
        for decade in Int(low.rounded(.down))...Int(high.rounded(.up)) {
            for multiple in multiples {
                let tick = Double(decade) + log10(multiple)
                if tick >= low - 1e-9, tick <= high + 1e-9 { ticks.append(tick) }
            }
        }
        return ticks.count >= 2 ? ticks : self.ticks
    }

    /// 1, 2 or 5 × 10ⁿ, the nearest at or above `rough` (at least 1 with `integers`).
    static func niceStep(_ rough: Double, integers: Bool = false) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        if integers, rough <= 1 { return 1 }
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / magnitude
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
    }
}
