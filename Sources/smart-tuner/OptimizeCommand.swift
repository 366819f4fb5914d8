import ArgumentParser
import Foundation
import Logging
import SmartTuner
import Synchronization

struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Runs a study: N trials, P at once, each supervised with smart restart and pruning. Re-running resumes it.",
        discussion: """
            Several processes may run the same study file at once. Ctrl-C stops gracefully: running trials \
            checkpoint and stay RUNNING in the file, and the next run resumes them; a second Ctrl-C forces.
            """)

    @OptionGroup var study: StudyRunOptions

    @Flag(help: "Print the final report as one JSON object.")
    var json = false

    func run() async throws {
        let report = try await Self.optimize(try study.settings(), json: json)
        if json { try JSONOutput.print(report) } else { ReportPrinter.print(report) }
    }

    /// Runs `settings` to completion or a graceful stop; returns the study's report.
    static func optimize(_ settings: StudySettings, json: Bool) async throws -> StudyReport {
        var logger = Logger(label: "smart-tuner")
        logger.logLevel = .error
        let display = StudyDisplay(enabled: !json, steps: settings.trainer.steps)
        let runner: StudyRunner
        do {
            runner = try await StudyRunner(settings: settings, logger: logger) { display.show($0) }
        } catch let error as InvalidSetting {
            throw CommandFailure(error.description)
        }
        if !json {
            print("Study \(settings.name) in \(settings.storage): \(settings.trials) trials, \(settings.parallelism) at once")
        }
        let forced = SecondInterrupt.install()
        defer { forced.cancel() }
        return try await runner.runToEnd(logger: logger)
    }
}

/// The second Ctrl-C forces an exit (the first one asked for a graceful stop). The store stays
/// consistent either way: every write is a transaction.
enum SecondInterrupt {
    static func install() -> any DispatchSourceSignal {
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = Atomic<Int>(0)
        source.setEventHandler {
            if count.add(1, ordering: .relaxed).newValue >= 2 {
                FileHandle.standardError.write(Data("\nsmart-tuner: second interrupt, stopping now\n".utf8))
                exit(130)
            }
        }
        source.resume()
        return source
    }
}
