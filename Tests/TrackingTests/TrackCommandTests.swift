import Foundation
import Testing
import TestScratch

@testable import SmartTuner

@Suite("smart-tuner track", .scratch, .serialized, .timeLimit(.minutes(10)))
struct TrackCommandTests {
    @Test("a study run offline is published to TensorBoard afterwards; a second track sends nothing; an unreachable MLflow fails with what was kept")
    func offlineStudy() async throws {
        let directory = try Scratch.folder("track-offline")
        let config = directory + "/study.yaml"
        try trackedStudy(directory: directory, tracking: "  training_interval: 5").write(toFile: config, atomically: true, encoding: .utf8)
        let optimize = try runCommand(smartTunerExecutable, ["optimize", "--config", config])
        #expect(optimize.status == 0, "\(String(decoding: optimize.errors, as: UTF8.self))")
        #expect(!FileManager.default.fileExists(atPath: directory + "/tb"))

        let first = try runCommand(smartTunerExecutable, ["track", "--config", config, "--tensorboard", directory + "/tb"])
        let text = String(decoding: first.output, as: UTF8.self)
        #expect(first.status == 0 && text.contains("tensorboard: ") && !text.contains("tensorboard: 0 values"), "\(text)")
        let second = try runCommand(smartTunerExecutable, ["track", "--config", config, "--tensorboard", directory + "/tb"])
        #expect(String(decoding: second.output, as: UTF8.self).contains("tensorboard: 0 values sent"))
        let runs = try readTensorBoard(directory + "/tb/drill")
        #expect(runs["trial-0000/g1"]?.scalars["train/total"]?.isEmpty == false && runs["."]?.hparams.experiment != nil)

        // Nothing listens on this port: the command says what was not sent, and fails.
        let port = try freeLoopbackPort()
        let down = try runCommand(smartTunerExecutable, ["track", "--config", config, "--mlflow", "http://127.0.0.1:\(port)"])
        let downText = String(decoding: down.output, as: UTF8.self)
        #expect(down.status == 3 && downText.contains("mlflow: not all sent") && downText.contains("cannot be reached"), "\(downText)")
    }

    @Test("bad input to track and to the tracking section: a clear error that says what would be valid, and no secret echoed")
    func badInput() throws {
        let directory = try Scratch.folder("track-bad")
        let config = directory + "/study.yaml"
        try trackedStudy(directory: directory, tracking: "  training_interval: 5").write(toFile: config, atomically: true, encoding: .utf8)
        func errors(_ arguments: [String]) throws -> String {
            let result = try runCommand(smartTunerExecutable, arguments)
            #expect(result.status != 0, "\(arguments)")
            return String(decoding: result.errors + result.output, as: UTF8.self)
        }
        #expect(try errors(["track", "--config", config]).contains("nothing to send to: give --mlflow URL or --tensorboard FOLDER"))
        #expect(try errors(["track", "--config", config, "--mlflow", "ftp://example"]).contains("must be an http:// or https:// URL"))
        #expect(try errors(["track", "--config", config, "--experiment", "x"]).contains("give --mlflow URL too"))
        #expect(try errors(["track", "--tensorboard", directory + "/tb"]).contains("give --config FILE.yaml or --storage FILE.db"))

        let cases: [(String, String)] = [
            ("  training_interval: 0", "tracking.training_interval: must be from 1 to 1000000, got 0"),
            ("  tensorboard: ''", "needs the folder TensorBoard reads"),
            ("  mlflow:\n    url: http://user:hunter22@127.0.0.1:5000", "must not hold credentials"),
            ("  mlflow:\n    url: 127.0.0.1:5000", "must be an http:// or https:// URL"),
            ("  mlfow: {}", "tracking.mlfow"),
        ]
        for (section, message) in cases {
            let file = directory + "/bad.yaml"
            try trackedStudy(directory: directory, tracking: section).write(toFile: file, atomically: true, encoding: .utf8)
            let text = try errors(["track", "--config", file, "--tensorboard", directory + "/tb"])
            #expect(text.contains(message) && !text.contains("hunter22"), "\(section): \(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/study.db"), "nothing was made for bad input")
    }
}
