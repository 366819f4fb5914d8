import Foundation

/// One axis of a plot: the data range it shows, mapped onto a pixel range, with "nice" ticks
/// (steps of 1, 2 or 5 × 10ⁿ) that people read at a glance.
struct PlotAxis: Sendable {
    /// The lowest and highest value shown.
    let low: Double, high: Double
    /// The pixel positions of `low` and `high`.
    let start: Double, end: Double

    /// An axis covering `values` (finite ones only; a flat or empty range is widened), on `start`…`end` pixels.
    init(covering values: [Double], from start: Double, to end: Double) {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if high - low < 1e-12 * max(1, abs(high)) {
            let pad = max(abs(high) * 0.05, 0.5)
            low -= pad
            high += pad
        }
        let step = Self.niceStep((high - low) / 5)
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
        let step = Self.niceStep((high - low) / 5)
        var ticks: [Double] = []
        var value = low
        while value <= high + step * 1e-9, ticks.count < 12 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    /// 1, 2 or 5 × 10ⁿ, the nearest at or above `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let fraction = rough / magnitude
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude
    }
}
