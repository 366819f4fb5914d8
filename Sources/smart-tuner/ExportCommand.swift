import ArgumentParser
import Foundation
import SmartTuner

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Writes a study's trials as CSV or JSON (read-only).")

    @OptionGroup var location: StudyLocation

    @Option(help: "csv or json.")
    var format = "csv"

    @Option(name: .shortAndLong, help: "The output file (default: standard output).")
    var output: String?

    func run() async throws {
        guard ["csv", "json"].contains(format) else { throw ValidationError("--format must be csv or json, got '\(format)'") }
        let (store, study) = try await location.open(readOnly: true)
        let rows = try await store.trials(of: study).map(TrialRow.init)
        let text: String
        if format == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            text = String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n"
        } else {
            text = CSVTable(rows: rows, space: study.definition.space.parameters.map(\.name)).text
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else { throw CommandFailure("cannot write \(output)") }
        } else {
            print(text, terminator: "")
        }
    }
}

/// Trials as CSV: fixed columns, then one per parameter, then one per metric.
struct CSVTable {
    let rows: [TrialRow]
    let space: [String]

    var text: String {
        let metrics = Array(Set(rows.flatMap(\.metrics.keys))).sorted()
        let header = ["number", "state", "value", "step", "generation", "interruptions", "outcome", "started", "completed"]
            + space.map { "param_\($0)" } + metrics
        var lines = [header.map(Self.field).joined(separator: ",")]
        for row in rows {
            let fixed = ["\(row.number)", row.state, row.value.map { "\($0)" } ?? "", "\(row.step)", "\(row.generation)",
                         "\(row.interruptions)", row.outcome?.rawValue ?? "", row.started ?? "", row.completed ?? ""]
            let values = fixed + space.map { row.parameters[$0]?.description ?? "" } + metrics.map { row.metrics[$0].map { "\($0)" } ?? "" }
            lines.append(values.map(Self.field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { ",\"\n".contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
