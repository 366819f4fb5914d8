import ArgumentParser
import Foundation
import SmartTuner

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Writes a commented example study file for the built-in workload.")

    @Argument(help: "Where to write it.")
    var path = "study.yaml"

    @Flag(help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        if FileManager.default.fileExists(atPath: path) && !force {
            throw CommandFailure("\(path) exists; give --force to overwrite it, or another path")
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(StudyTemplate.builtin.utf8)) else {
            throw CommandFailure("cannot write \(path)")
        }
        print("Wrote \(path). Run it with: smart-tuner optimize --config \(path)")
    }
}
