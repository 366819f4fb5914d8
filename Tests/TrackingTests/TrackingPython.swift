import Foundation
import Testing

/// The Python of the tracking environment (`scripts/tracking-env.sh`): mlflow, tensorboard,
/// optuna-dashboard. `scripts/test.sh` sets `SMART_TUNER_TRACKING_PYTHON`; without it the
/// tracking tests fail (they never pass without having read anything back).
func trackingPython() throws -> String {
    try #require(ProcessInfo.processInfo.environment["SMART_TUNER_TRACKING_PYTHON"],
                 "SMART_TUNER_TRACKING_PYTHON must name the tracking environment's Python, e.g. $(scripts/tracking-env.sh)/bin/python")
}

/// A script beside this file.
func trackingScript(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(name).path
}

/// Runs `python` with `arguments`; returns its standard output, or records its standard error
/// as the test's failure and throws.
func runPython(_ python: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Data {
    let (status, output, errors) = try runCommand(python, arguments, environment: environment)
    guard status == 0 else {
        Issue.record("\(arguments.first ?? python) failed (\(status)): \(String(decoding: errors, as: UTF8.self).suffix(3000))")
        throw CancellationError()
    }
    return output
}

/// The `smart-tuner` executable built beside the test bundle.
let smartTunerExecutable: String = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent().appendingPathComponent("smart-tuner").path

/// Runs `executable` with `arguments` to its end; returns its status, standard output and error.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: Data, errors: Data) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    // Standard error goes to a file, so that only one pipe is read while the child runs.
    let errorPath = NSTemporaryDirectory() + "tracking-command-\(UUID().uuidString).stderr"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: errorPath)
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    // The output ended: the child has exited or is exiting; wait for its status without
    // Foundation's waitUntilExit (it can hang when called from a concurrency thread on Linux).
    while process.isRunning { usleep(10_000) }
    return (process.terminationStatus, data, FileManager.default.contents(atPath: errorPath) ?? Data())
}
