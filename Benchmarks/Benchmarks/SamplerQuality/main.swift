import Foundation
import SmartTuner

// Sampler quality (issue 6): TPE (univariate and multivariate) against random search on six
// 5-D problems, 20 seeds, budgets 25 / 50 / 100 / 200; reports the median simple regret (best
// value found minus the global minimum). The samplers are history-based and deterministic, so
// the best of the first b trials of one 200-trial run is exactly what a b-trial study finds.
//
// Run: swift run --package-path Benchmarks -c release SamplerQuality [--seeds N] [--json]
// Exit status 1 when TPE's median regret is not below random's at 100 and 200 trials on every
// problem ("TPE clearly beats random from 100 trials on").

let budgets = [25, 50, 100, 200]
let arguments = CommandLine.arguments
let seeds = arguments.firstIndex(of: "--seeds").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? 20
let emitJSON = arguments.contains("--json")

/// Best-so-far regret after each budget, for one sampler, problem and seed.
func regrets(_ sampler: any Sampler, on problem: TestFunction) -> [Double] {
    var history: [TrialSnapshot] = []
    var best = Double.infinity
    var result: [Double] = []
    for number in 0..<budgets.last! {
        guard let parameters = sampler.suggest(space: problem.space, number: number, history: history) else { break }
        let value = problem.evaluate(parameters)
        best = min(best, value)
        history.append(TrialSnapshot(number: number, parameters: parameters, state: .complete, value: value))
        if budgets.contains(number + 1) { result.append(max(0, best - problem.minimum)) }
    }
    return result
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

struct Row: Codable {
    let problem: String
    let budget: Int
    let random: Double
    let tpe: Double
    let tpeMultivariate: Double
}

let samplers: [(String, @Sendable (UInt64) -> any Sampler)] = [
    ("random", { RandomSampler(seed: $0) }),
    ("tpe", { TPESampler(seed: $0) }),
    ("tpe-multivariate", { TPESampler(seed: $0, multivariate: true) }),
]

let started = Date()
var rows: [Row] = []
var verdicts: [String] = []
for problem in try TestFunction.all() {
    // medians[sampler][budget index]
    var medians: [[Double]] = []
    for (_, make) in samplers {
        // Seeds run two at a time (the machine has 2 cores); each run is independent.
        let perSeed = await withTaskGroup(of: (Int, [Double]).self) { group in
            for seed in 0..<seeds { group.addTask { (seed, regrets(make(UInt64(seed) &* 7919 &+ 1), on: problem)) } }
            var all = [[Double]](repeating: [], count: seeds)
            for await (seed, values) in group { all[seed] = values }
            return all
        }
        medians.append(budgets.indices.map { b in median(perSeed.map { $0[b] }) })
    }
    for (b, budget) in budgets.enumerated() {
        rows.append(Row(problem: problem.name, budget: budget, random: medians[0][b], tpe: medians[1][b], tpeMultivariate: medians[2][b]))
        if budget >= 100 && !(medians[1][b] < medians[0][b]) {
            verdicts.append("\(problem.name) at \(budget) trials: TPE median regret \(medians[1][b]) is not below random's \(medians[0][b])")
        }
    }
}
let seconds = Date().timeIntervalSince(started)

if emitJSON {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
} else {
    print("Median simple regret over \(seeds) seeds (lower is better); ratio = TPE / random")
    print("problem           budget      random         TPE   TPE-multi   ratio")
    for row in rows {
        print(row.problem.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: " %6d  %10.4g  %10.4g  %10.4g   %5.2f",
              row.budget, row.random, row.tpe, row.tpeMultivariate, row.random > 0 ? row.tpe / row.random : .nan))
    }
    print(String(format: "%.1f s", seconds))
}
if !verdicts.isEmpty {
    FileHandle.standardError.write(Data(("TPE does not beat random:\n" + verdicts.joined(separator: "\n") + "\n").utf8))
    exit(1)
}
