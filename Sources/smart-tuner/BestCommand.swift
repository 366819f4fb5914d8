import ArgumentParser
import SmartTuner

struct BestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "best", abstract: "Shows the best trial: value, parameters, alignment (read-only).")

    @OptionGroup var location: StudyLocation

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        let (store, study) = try await location.open(readOnly: true)
        guard let best = try await StudyReport.of(study, in: store).best else { throw CommandFailure("study \(study.definition.name) has no complete trial yet") }
        if json { return try JSONOutput.print(best) }
        print("Best trial \(best.number): value \(best.value)")
        for (name, value) in best.parameters.sorted(by: { $0.key < $1.key }) { print("  \(name) = \(value)") }
        for (name, value) in best.metrics.sorted(by: { $0.key < $1.key }) { print("  \(name): \(value)") }
        if let checkpoint = best.checkpoint { print("  checkpoint: \(checkpoint)") }
    }
}
