import Foundation
import SmartTuner

/// A benchmark problem: a search space, an objective over it and its known global minimum.
struct TestFunction: Sendable {
    let name: String
    let space: SearchSpace
    let minimum: Double
    let evaluate: @Sendable ([String: ParameterValue]) -> Double

    /// A continuous function of `dimensions` coordinates `x0…`, each in `[low, high]`.
    static func continuous(_ name: String, dimensions: Int, low: Double, high: Double, minimum: Double,
                           _ f: @escaping @Sendable ([Double]) -> Double) throws -> TestFunction {
        let names = (0..<dimensions).map { "x\($0)" }
        let space = try SearchSpace(names.map { .init($0, .float(low: low, high: high)) })
        return TestFunction(name: name, space: space, minimum: minimum) { parameters in
            f(names.map { parameters[$0]?.number ?? .nan })
        }
    }

    /// The six problems of issue 6, 5-D each.
    static func all() throws -> [TestFunction] {
        let d = 5
        return [
            try .continuous("sphere", dimensions: d, low: -5.12, high: 5.12, minimum: 0) { x in
                x.reduce(0) { $0 + $1 * $1 }
            },
            try .continuous("rosenbrock", dimensions: d, low: -2.048, high: 2.048, minimum: 0) { x in
                zip(x, x.dropFirst()).reduce(0) { sum, pair in
                    sum + 100 * (pair.1 - pair.0 * pair.0) * (pair.1 - pair.0 * pair.0) + (1 - pair.0) * (1 - pair.0)
                }
            },
            try .continuous("ackley", dimensions: d, low: -32.768, high: 32.768, minimum: 0) { x in
                let n = Double(x.count)
                let squares = x.reduce(0) { $0 + $1 * $1 } / n
                let cosines = x.reduce(0) { $0 + cos(2 * .pi * $1) } / n
                return -20 * exp(-0.2 * squares.squareRoot()) - exp(cosines) + 20 + M_E
            },
            try .continuous("rastrigin", dimensions: d, low: -5.12, high: 5.12, minimum: 0) { x in
                10 * Double(x.count) + x.reduce(0) { $0 + $1 * $1 - 10 * cos(2 * .pi * $1) }
            },
            try .continuous("styblinski-tang", dimensions: d, low: -5, high: 5, minimum: -39.16616570377142 * Double(d)) { x in
                x.reduce(0) { $0 + 0.5 * ($1 * $1 * $1 * $1 - 16 * $1 * $1 + 5 * $1) }
            },
            try mixed(),
        ]
    }

    /// The 5-D mixed space of the timing benchmark (2 log-floats, 1 float, 1 int, 1 categorical)
    /// with a separable objective whose minimum 0 lies at learning_rate 1e-3, weight_decay 1e-4,
    /// dropout 0.1, batch_size 16, cell gru.
    static func mixed() throws -> TestFunction {
        let space = try SearchSpace([
            .init("learning_rate", .float(low: 1e-5, high: 1e-1, log: true)),
            .init("weight_decay", .float(low: 1e-6, high: 1e-2, log: true)),
            .init("dropout", .float(low: 0, high: 0.5)),
            .init("batch_size", .int(low: 4, high: 64)),
            .init("cell", .categorical([.string("gru"), .string("lstm"), .string("rnn")])),
        ])
        return TestFunction(name: "mixed-5d", space: space, minimum: 0) { p in
            let lr = log10(p["learning_rate"]?.number ?? .nan) + 3
            let wd = log10(p["weight_decay"]?.number ?? .nan) + 4
            let dropout = (p["dropout"]?.number ?? .nan) - 0.1
            let batch = ((p["batch_size"]?.number ?? .nan) - 16) / 12
            let cell: Double = switch p["cell"] {
            case .string("gru")?: 0
            case .string("lstm")?: 0.5
            default: 1
            }
            return lr * lr + wd * wd + 16 * dropout * dropout + batch * batch + cell
        }
    }
}
