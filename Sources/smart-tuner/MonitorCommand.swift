import ArgumentParser
import Foundation
import SmartTuner

struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "A live view of a running or finished study, from any process (read-only).",
        discussion: """
            Shows every running trial with a progress bar, its step, objective, alignment and restarts, and the \
            latest finished trials. On a terminal the view redraws in place; piped, it prints a frame whenever \
            something changed. It ends when the study has all its trials finished, or on Ctrl-C.
            """)

    @OptionGroup var location: StudyLocation

    @Option(help: "Seconds between refreshes (0.1 to 3600).")
    var interval = 1.0

    @Option(help: "Finished trials shown besides the running ones (the newest).")
    var finished = 15

    @Flag(help: "Print one frame and exit.")
    var once = false

    func validate() throws {
        guard interval >= 0.1, interval <= 3_600 else { throw ValidationError("--interval must be between 0.1 and 3600 seconds, got \(interval)") }
        guard finished >= 0 else { throw ValidationError("--finished must be 0 or more, got \(finished)") }
    }

    func run() async throws {
        let (store, study) = try await location.open(readOnly: true)
        let interactive = isatty(STDOUT_FILENO) != 0 && !once
        var previous = ""
        while true {
            let progress = try await StudyProgress.read(study.definition.name, in: store)
            let frame = MonitorScreen.render(progress, finishedRows: finished)
            if interactive {
                // Home, clear, then the frame: the view redraws in place.
                print("\u{1B}[H\u{1B}[2J" + MonitorScreen.clock() + "\n" + frame, terminator: "")
                fflush(nil)
            } else if frame != previous {
                print(frame)
                fflush(nil)
            }
            previous = frame
            if once || progress.isFinished { return }
            try await Task.sleep(for: .milliseconds(Int(interval * 1_000)))
        }
    }
}
