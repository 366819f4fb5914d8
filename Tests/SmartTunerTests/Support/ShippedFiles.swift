import Foundation
import Testing

/// A study file the repository ships, made small for a test: each `(shipped, small)` line
/// replacement must match the shipped file (so that the test follows the example), and the
/// result is written as `<directory>/study.yaml`, whose path is returned.
func smallStudyFile(shipped path: String, directory: String, replacements: [(String, String)]) throws -> String {
    var yaml = try String(contentsOfFile: path, encoding: .utf8)
    for (shipped, small) in replacements {
        #expect(yaml.contains(shipped), "\(path) no longer has `\(shipped)`")
        yaml = yaml.replacingOccurrences(of: shipped, with: small)
    }
    let written = "\(directory)/study.yaml"
    try yaml.write(toFile: written, atomically: true, encoding: .utf8)
    return written
}

/// How many live processes (zombies left out) have a command line holding every one of `parts`.
func runningProcesses(withCommandLineHolding parts: [String]) -> Int {
    let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return processes.filter { pid in
        guard Int(pid) != nil, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), !status.contains(") Z ") else { return false }
        let command = String(decoding: data, as: UTF8.self)
        return parts.allSatisfy { command.contains($0) }
    }.count
}
