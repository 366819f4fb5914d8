import Foundation
import Testing
import TestScratch
import Training

@testable import TrainerAdapters

@Suite("Templates and checkpoint patterns", .scratch)
struct TemplateAndPatternTests {
    @Test("templates fill in hyperparameters and the incarnation's values; integers print without a decimal point, others exactly")
    func templates() throws {
        let template = try ValueTemplate("batch_size={batch_size},learning_rate={learning_rate},out={checkpoint_directory} {{literal}}", keyPath: "a")
        #expect(template.placeholders == ["batch_size", "learning_rate", "checkpoint_directory"])
        let text = try template.render(["batch_size": ValueTemplate.text(of: 16), "learning_rate": ValueTemplate.text(of: 1e-5),
                                        "checkpoint_directory": "/runs/g0"], keyPath: "a")
        #expect(text == "batch_size=16,learning_rate=1e-05,out=/runs/g0 {literal}")
        #expect(ValueTemplate.text(of: 0.001) == "0.001" && ValueTemplate.text(of: 2.5) == "2.5" && ValueTemplate.text(of: -3) == "-3")
    }

    @Test("a template with an unclosed or empty placeholder, a stray brace, or an unknown name is refused with what is valid")
    func badTemplates() throws {
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { _ = try ValueTemplate("--lr={learning_rate", keyPath: "arguments[0]") }.contains("arguments[0]: '--lr={learning_rate' opens a placeholder"))
        #expect(message { _ = try ValueTemplate("--lr={}", keyPath: "a") }.contains("a placeholder is a name"))
        #expect(message { _ = try ValueTemplate("--lr=}", keyPath: "a") }.contains("closes no placeholder"))
        let unknown = message { try ValueTemplate("--lr={lr}", keyPath: "a").check(known: ["learning_rate", "steps"], keyPath: "arguments[1]") }
        #expect(unknown.contains("arguments[1]") && unknown.contains("{lr}") && unknown.contains("{learning_rate}, {steps}"), "\(unknown)")
        let missing = message { _ = try ValueTemplate("-c {checkpoint}", keyPath: "a").render([:], keyPath: "resume.arguments[0]") }
        #expect(missing.contains("no value for"), "\(missing)")
    }

    @Test("checkpoint patterns give the trial's step from a file name, folders down, with * for any characters")
    func checkpointPatterns() throws {
        let coqui = try CheckpointPattern("checkpoint_{step}.pth", stepOffset: 1, keyPath: "p")
        #expect(coqui.step(ofFile: "checkpoint_5.pth") == 6 && coqui.step(ofFile: "checkpoint_5.pth", stepBase: 40) == 46)
        #expect(coqui.step(ofFile: "best_model_5.pth") == nil && coqui.step(ofFile: "checkpoint_5.pthx") == nil && coqui.step(ofFile: "checkpoint_x.pth") == nil)
        let nvidia = try CheckpointPattern("checkpoint_{step}", stepOffset: 1, keyPath: "p")
        #expect(nvidia.step(ofFile: "checkpoint_10") == 11 && nvidia.step(ofFile: "checkpoint_10.partial") == nil)
        let glob = try CheckpointPattern("model-*-{step}.ckpt", keyPath: "p")
        #expect(glob.step(ofFile: "model-run.a-300.ckpt") == 300 && glob.step(ofFile: "model-300.ckpt") == nil)
        let directory = try Scratch.folder("adapter-patterns")
        let run = "\(directory)/tacotron2-December-03-2026_05+52PM-0000000"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        for name in ["checkpoint_10.pth", "checkpoint_5.pth", "best_model_7.pth", "config.json"] {
            try Data(name.utf8).write(to: URL(fileURLWithPath: "\(run)/\(name)"))
        }
        #expect(coqui.files(under: directory).map(\.step) == [6, 11])
        #expect(coqui.files(under: "\(directory)/missing").isEmpty)
        for bad in ["checkpoint.pth", "checkpoint_{step}_{step}.pth", "run/checkpoint_{step}.pth"] {
            #expect(throws: AdapterSettingError.self, "\(bad)") { try CheckpointPattern(bad, keyPath: "checkpoints.pattern") }
        }
    }

    @Test("a checkpoint file counts once it has stopped growing, or at once when the trainer has exited; each gets its SHA-256")
    func checkpointStability() throws {
        let directory = try Scratch.folder("adapter-watch")
        let pattern = try CheckpointPattern("checkpoint_{step}", stepOffset: 1, keyPath: "p")
        var watch = CheckpointWatch(pattern: pattern, directory: directory, stepBase: 0)
        let path = "\(directory)/checkpoint_0"
        try Data("part".utf8).write(to: URL(fileURLWithPath: path))
        #expect(watch.scan(final: false).isEmpty, "first seen: it may still be written")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(" and the rest".utf8))
        try handle.close()
        #expect(watch.scan(final: false).isEmpty, "it grew since the last scan")
        let complete = watch.scan(final: false)
        #expect(complete.map(\.step) == [1] && complete.first?.sha256 == CheckpointDigest.hex(of: Data("part and the rest".utf8)))
        #expect(watch.scan(final: true).isEmpty, "reported once")
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(directory)/checkpoint_10"))
        #expect(watch.scan(final: true).map(\.step) == [11], "after the exit every file is complete")
    }
}
