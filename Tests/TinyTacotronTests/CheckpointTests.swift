import Foundation
import Randomness
import Testing
import TestScratch

@testable import TinyTacotron

@Suite("Checkpoints", .scratch)
struct CheckpointTests {
    let directory: String

    init() throws {
        directory = try Scratch.folder("tt-checkpoints")
    }

    @Test("resuming from a checkpoint gives exactly the losses of an uninterrupted run")
    func resumeIsDeterministic() throws {
        let uninterrupted = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        let expected = (0..<8).map { _ in uninterrupted.trainStep().losses }

        let interrupted = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        var observed = (0..<4).map { _ in interrupted.trainStep().losses }
        let report = try interrupted.saveCheckpoint(in: directory)
        let resumed = try TacotronTrainer(checkpoint: report.path)
        #expect(resumed.step == 4)
        observed += (0..<4).map { _ in resumed.trainStep().losses }
        #expect(observed == expected)
        #expect(resumed.validate().losses == uninterrupted.validate().losses)
    }

    @Test("the digest is written beside the file and verifies")
    func digest() throws {
        let trainer = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        trainer.trainStep()
        let report = try trainer.saveCheckpoint(in: directory)
        let line = try String(contentsOfFile: report.path + ".sha256", encoding: .utf8)
        #expect(line.hasPrefix(report.sha256))
        #expect(report.sha256.count == 64)
        #expect(try TacotronTrainer.verifiedData(report.path).count > 0)
    }

    @Test("a corrupt, truncated, unverified, malformed or mismatched checkpoint is refused with a clear error")
    func badCheckpoints() throws {
        let trainer = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        let report = try trainer.saveCheckpoint(in: directory)
        let good = try Data(contentsOf: URL(fileURLWithPath: report.path))
        let path = report.path

        // Corrupt: one flipped bit.
        var corrupt = good
        corrupt[corrupt.count / 2] ^= 0x01
        try corrupt.write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try TacotronTrainer(checkpoint: path) }
        #expect(isDigestMismatch { try TacotronTrainer(checkpoint: path) })

        // Truncated.
        try good.prefix(good.count - 100).write(to: URL(fileURLWithPath: path))
        #expect(isDigestMismatch { try TacotronTrainer(checkpoint: path) })

        // No digest beside it.
        try good.write(to: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: path + ".sha256")
        #expect(throws: CheckpointError.missingDigest(path: path)) { try TacotronTrainer(checkpoint: path) }

        // Missing file.
        #expect(throws: CheckpointError.unreadable(path: path + ".nope", reason: "no such file, or it cannot be read")) {
            try TacotronTrainer(checkpoint: path + ".nope")
        }

        // Well-digested garbage: not safetensors.
        try writeWithDigest(Data("definitely not a checkpoint".utf8), to: path)
        #expect(isMalformed { try TacotronTrainer(checkpoint: path) })
        try writeWithDigest(Data([0xFF, 0, 0, 0, 0, 0, 0, 0, 0x7B]), to: path)
        #expect(isMalformed { try TacotronTrainer(checkpoint: path) })

        // Valid safetensors whose tensors do not fit the sizes its metadata names.
        var file = try SafetensorsFile.decode(good, path: path)
        var hyperparameters = try Fixtures.tinyHyperparameters()
        hyperparameters.decoderSize = 9
        let encoder = JSONEncoder()
        file.metadata["hyperparameters"] = String(decoding: try encoder.encode(hyperparameters), as: UTF8.self)
        try writeWithDigest(try file.encoded(), to: path)
        let mismatch = #expect(throws: CheckpointError.self) { try TacotronTrainer(checkpoint: path) }
        #expect(mismatch?.description.contains("shape") == true, "\(String(describing: mismatch))")

        // Foreign safetensors (no SmartTuner metadata).
        try writeWithDigest(try SafetensorsFile(tensors: [("x", .init(shape: [2], values: [1, 2]))], metadata: [:]).encoded(), to: path)
        let foreign = #expect(throws: CheckpointError.self) { try TacotronTrainer(checkpoint: path) }
        #expect(foreign?.description.contains("format") == true)
    }

    @Test("safetensors decoding rejects lying headers")
    func lyingHeaders() throws {
        func header(_ json: String, body: Int) -> Data {
            var data = Data()
            withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            return data + Data(json.utf8) + Data(count: body)
        }
        let cases = [
            header(#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, body: 4),
            header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,100]}}"#, body: 8),
            header(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, body: 8),
            header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, body: 8),
            header(#"{"__metadata__":{"step":3}}"#, body: 0),
            header(#"[1,2,3]"#, body: 0),
        ]
        for data in cases {
            #expect(throws: CheckpointError.self) { try SafetensorsFile.decode(data, path: "test") }
        }
    }

    private func writeWithDigest(_ data: Data, to path: String) throws {
        try data.write(to: URL(fileURLWithPath: path))
        let digest = sha256Hex(data)
        try Data("\(digest)  x\n".utf8).write(to: URL(fileURLWithPath: path + ".sha256"))
    }

    private func isDigestMismatch(_ body: () throws -> TacotronTrainer) -> Bool {
        do { _ = try body() } catch CheckpointError.digestMismatch { return true } catch { return false }
        return false
    }

    private func isMalformed(_ body: () throws -> TacotronTrainer) -> Bool {
        do { _ = try body() } catch CheckpointError.malformed { return true } catch { return false }
        return false
    }
}
