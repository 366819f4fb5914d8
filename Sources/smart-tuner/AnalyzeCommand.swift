import ArgumentParser
import Foundation
import SmartTuner

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Prints the alignment metrics of attention saved as a NumPy .npy file (T×N or B×T×N).")

    @Argument(help: "The .npy file (float32 or float64, C order).")
    var file: String

    @Option(help: "Valid lengths per utterance, as frames:tokens pairs separated by commas (e.g. 80:12,95:15).")
    var lengths: String?

    @Flag(help: "Print one JSON object keyed by the metric names (per utterance and the batch mean).")
    var json = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure("cannot read \(file)")
        }
        let analysis: AttentionFileAnalysis
        do {
            analysis = try AttentionFileAnalysis(NumpyArray(npy: data, name: file),
                                                 lengths: try lengths.map(AttentionFileAnalysis.parseLengths))
        } catch let error as NumpyArray.FormatError {
            throw CommandFailure(error.description)
        } catch let error as AttentionFileAnalysis.InputError {
            throw CommandFailure(error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(analysis), as: UTF8.self))
            return
        }
        let names = ["focus_rate", "coverage", "diagonality", "back_jump_rate", "skip_rate", "missing_tokens", "entropy", "drift"]
        print("utterance  " + names.map { $0.padding(toLength: 15, withPad: " ", startingAt: 0) }.joined())
        func row(_ label: String, _ m: AlignmentMetrics) {
            let values = [m.focusRate, m.coverage, m.diagonality, m.backJumpRate, m.skipRate, m.missingTokens, m.entropy, m.drift]
            print(label.padding(toLength: 11, withPad: " ", startingAt: 0)
                  + values.map { String(format: "%-15.4f", $0) }.joined())
        }
        for (index, metrics) in analysis.utterances.enumerated() { row(String(index), metrics) }
        if analysis.utterances.count > 1 { row("mean", analysis.mean) }
    }
}
