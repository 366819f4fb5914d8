import Foundation

/// A plot drawn by the server as SVG: series of points over a numeric x (steps, trial numbers,
/// a parameter's values), as lines or dots, with vertical marks (restarts) and a legend.
///
/// Every series carries its numbers in a `data-values` attribute (`x:y` pairs at full
/// precision, non-finite values kept), so that what is drawn can be checked against the
/// study file; colours come from CSS classes (`s0`…`s7`), so the page's theme sets them.
struct Chart: Sendable {
    /// One point; `label` becomes its tooltip.
    struct Point: Sendable, Hashable {
        var x: Double, y: Double
        var label: String? = nil
    }

    /// How a series is drawn.
    enum Style: Sendable { case line, dots }

    /// A named series.
    struct Series: Sendable {
        var name: String
        var points: [Point]
        var style: Style = .line
        /// Points drawn hollow (pruned trials, say), by index.
        var hollow: Set<Int> = []
    }

    /// A vertical rule at `x` (a restart), with its tooltip.
    struct Mark: Sendable {
        var x: Double
        var label: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var marks: [Mark] = []
    /// Whether x is drawn on a log scale (a log-distributed parameter).
    var logX = false
    /// Whether x, or y, takes whole numbers only (trial numbers): ticks fall on them.
    var integerX = false
    var integerY = false

    /// Whether any series has a point to draw.
    var isEmpty: Bool { series.allSatisfy { $0.points.allSatisfy { !$0.y.isFinite } } }

    /// The SVG element, `width` × `height` user units, scaling to its container.
    func svg(width: Double = 640, height: Double = 260) -> String {
        let (left, right, top, bottom) = (58.0, width - 12, 28.0, height - 36)
        let xs = series.flatMap { $0.points.map(\.x) } + marks.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) }
        let xAxis = PlotAxis(covering: xs.map(scaledX), from: left, to: right, integers: integerX)
        let yAxis = PlotAxis(covering: ys, from: bottom, to: top, integers: integerY)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="\(HTML.escape(title))"><title>\(HTML.escape(title))</title>
            """
        for tick in yAxis.ticks {
            let y = format(yAxis.position(tick))
            svg += "<line class=\"grid\" x1=\"\(format(left))\" x2=\"\(format(right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            svg += "<text class=\"tick\" x=\"\(format(left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(HTML.number(tick))</text>"
        }
        for tick in logX ? xAxis.logTicks : xAxis.ticks {
            let x = format(xAxis.position(tick))
            svg += "<line class=\"grid\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(format(top))\" y2=\"\(format(bottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(x)\" y=\"\(format(bottom + 14))\" text-anchor=\"middle\">\(tickLabel(tick))</text>"
        }
        svg += "<text class=\"axis-label\" x=\"\(format((left + right) / 2))\" y=\"\(format(height - 4))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg += "<text class=\"axis-label\" transform=\"translate(12 \(format((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        for mark in marks {
            let x = format(xAxis.position(scaledX(mark.x)))
            svg += "<line class=\"mark\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(format(top))\" y2=\"\(format(bottom))\"><title>\(HTML.escape(mark.label))</title></line>"
        }
        for (index, series) in series.enumerated() {
            svg += draw(series, colour: index % 8, xAxis: xAxis, yAxis: yAxis)
            // Up to eight series get a legend (two rows of four); more are told apart by their tooltips.
            if self.series.count <= 8 {
                let legendX = left + Double(index % 4) * (right - left) / 4
                svg += "<text class=\"legend s\(index % 8)\" x=\"\(format(legendX))\" y=\"\(format(10 + Double(index / 4) * 12))\">\(HTML.escape(series.name))</text>"
            }
        }
        return svg + "</svg>"
    }

    private func draw(_ series: Series, colour: Int, xAxis: PlotAxis, yAxis: PlotAxis) -> String {
        let values = series.points.map { "\(exact($0.x)):\(exact($0.y))" }.joined(separator: " ")
        var svg = "<g class=\"series s\(colour)\" data-series=\"\(HTML.escape(series.name))\" data-values=\"\(values)\"><title>\(HTML.escape(series.name))</title>"
        switch series.style {
        case .line:
            // A non-finite value breaks the line; the line goes on after it.
            var run: [String] = []
            func flush() {
                if run.count > 1 { svg += "<polyline points=\"\(run.joined(separator: " "))\"/>" }
                if run.count == 1 { svg += "<circle r=\"2\" cx=\"\(run[0].split(separator: ",")[0])\" cy=\"\(run[0].split(separator: ",")[1])\"/>" }
                run = []
            }
            for point in series.points.sorted(by: { $0.x < $1.x }) {
                guard point.y.isFinite, scaledX(point.x).isFinite else { flush(); continue }
                run.append("\(format(xAxis.position(scaledX(point.x)))),\(format(yAxis.position(point.y)))")
            }
            flush()
        case .dots:
            for (index, point) in series.points.enumerated() where point.y.isFinite && scaledX(point.x).isFinite {
                let hollow = series.hollow.contains(index) ? " class=\"hollow\"" : ""
                svg += "<circle\(hollow) r=\"3.5\" cx=\"\(format(xAxis.position(scaledX(point.x))))\" cy=\"\(format(yAxis.position(point.y)))\">"
                svg += "<title>\(HTML.escape(point.label ?? "\(HTML.number(point.x)): \(HTML.number(point.y))"))</title></circle>"
            }
        }
        return svg + "</g>"
    }

    private func scaledX(_ x: Double) -> Double { logX ? (x > 0 ? log10(x) : .nan) : x }

    private func tickLabel(_ tick: Double) -> String { logX ? HTML.number(pow(10, tick)) : HTML.number(tick) }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A value at full precision (what the study file holds), non-finite values by name.
    private func exact(_ value: Double) -> String { value.isFinite ? "\(value)" : (value.isNaN ? "NaN" : (value > 0 ? "inf" : "-inf")) }
}
