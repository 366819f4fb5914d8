import Foundation
import Testing

@testable import Dashboard

@Suite("Plots drawn by the server")
struct ChartTests {
    @Test("axes take nice steps and cover the data; a flat or empty range is widened")
    func axes() {
        let axis = PlotAxis(covering: [0.13, 0.91], from: 0, to: 100)
        #expect(axis.low == 0 && axis.high == 1)
        #expect(axis.ticks.count == 6 && zip(axis.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(axis.ticks)")
        #expect(PlotAxis.niceStep(0.37) == 0.5 && PlotAxis.niceStep(13) == 20 && PlotAxis.niceStep(1) == 1)
        let flat = PlotAxis(covering: [2, 2], from: 0, to: 10)
        #expect(flat.low < 2 && flat.high > 2)
        let empty = PlotAxis(covering: [.nan], from: 0, to: 10)
        #expect(empty.low == 0 && empty.high == 1)
        #expect(axis.position(axis.low) == 0 && axis.position(axis.high) == 100)
    }

    @Test("a log axis ticks at 1, 2 and 5 per decade, only decades over a wide range")
    func logTicks() {
        let narrow = PlotAxis(covering: [log10(0.001), log10(0.01)], from: 0, to: 100)
        #expect(narrow.logTicks.map { pow(10, $0) }.map { ($0 * 1e4).rounded() / 1e4 } == [0.001, 0.002, 0.005, 0.01])
        let wide = PlotAxis(covering: [-6, -1], from: 0, to: 100)
        #expect(wide.logTicks == [-6, -5, -4, -3, -2, -1])
    }

    @Test("series carry their exact numbers, non-finite ones by name; a NaN breaks the line; text is escaped")
    func series() {
        let chart = Chart(title: "a <b>", xLabel: "step", yLabel: "loss", series: [
            .init(name: "g0", points: [.init(x: 1, y: 0.1), .init(x: 2, y: .nan), .init(x: 3, y: 0.30000000000000004), .init(x: 4, y: 0.2)]),
        ])
        let svg = chart.svg()
        #expect(svg.contains("data-values=\"1.0:0.1 2.0:NaN 3.0:0.30000000000000004 4.0:0.2\""))
        #expect(svg.components(separatedBy: "<polyline").count == 2 && svg.contains("<circle r=\"2\""), "one point alone before the gap, a line after")
        #expect(svg.contains("a &lt;b&gt;") && !svg.contains("a <b>"))
    }
}
