import ArgumentParser
import SmartTuner

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Shows a study's trial counts and best trial (read-only).")

    @OptionGroup var location: StudyLocation

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        let (store, study) = try await location.open(readOnly: true)
        let report = try await StudyReport.of(study, in: store)
        if json { try JSONOutput.print(report) } else { ReportPrinter.print(report) }
    }
}
