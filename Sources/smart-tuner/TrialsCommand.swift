import ArgumentParser
import Foundation
import SmartTuner

struct TrialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trials", abstract: "Lists a study's trials (read-only).")

    @OptionGroup var location: StudyLocation

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() async throws {
        let (store, study) = try await location.open(readOnly: true)
        let rows = try await store.trials(of: study).map(TrialRow.init)
        if json { return try JSONOutput.print(rows) }
        print("  #  state      value       step  gen  focus   outcome")
        for row in rows {
            let value = row.value.map { String(format: "%-10.5g", $0) } ?? "-".padding(toLength: 10, withPad: " ", startingAt: 0)
            let focus = row.metrics["focus_rate"].map { String(format: "%.3f", $0) } ?? "  -  "
            let outcome = row.outcome?.words ?? ""
            print(String(format: "%3d  ", row.number) + row.state.padding(toLength: 9, withPad: " ", startingAt: 0) + "  \(value)  " +
                  String(format: "%5d  %3d  ", row.step, row.generation) + "\(focus)   \(outcome)")
        }
    }
}
