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
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    // Standard error goes to a file, so that only one pipe is read while the child runs.
    let errorPath = NSTemporaryDirectory() + "tracking-python-\(UUID().uuidString).stderr"
    _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errorPath) }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: errorPath)
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        Issue.record("\(arguments.first ?? python) failed (\(process.terminationStatus)): \(message.suffix(3000))")
        throw CancellationError()
    }
    return data
}
