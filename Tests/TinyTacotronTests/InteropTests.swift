import Foundation
import TestScratch
import Testing

@testable import TinyTacotron

/// Files other tools must be able to read: Python's `safetensors` opens our checkpoints, and
/// the attention heatmap is a valid PNG (checked by Python's zlib and our own CRC).
@Suite("Interoperability")
struct InteropTests {
    @Test("Python's safetensors loads a checkpoint: same tensors, same values, our metadata")
    func pythonSafetensors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tt-interop-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let trainer = try TacotronTrainer(corpus: Fixtures.tinyCorpus(), hyperparameters: Fixtures.tinyHyperparameters())
        trainer.trainStep()
        let validation = trainer.validate()
        let report = try trainer.saveCheckpoint(in: directory, heatmap: validation.utterances.first)
        let gru = try #require(trainer.model.parameters.all.first { $0.name == "gru.weight_hh" })
        let script = """
        import json, sys, zlib, struct
        from safetensors import safe_open
        from safetensors.numpy import load_file
        path, png = sys.argv[1], sys.argv[2]
        tensors = load_file(path)
        with safe_open(path, framework="numpy") as f:
            meta = f.metadata()
        g = tensors["gru.weight_hh"]
        data = open(png, "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        pos, idat, size = 8, b"", None
        while pos < len(data):
            (length,) = struct.unpack(">I", data[pos:pos + 4]); kind = data[pos + 4:pos + 8]
            body = data[pos + 8:pos + 8 + length]
            (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
            assert zlib.crc32(kind + body) == crc, kind
            if kind == b"IHDR": size = struct.unpack(">II", body[:8])
            if kind == b"IDAT": idat += body
            pos += 12 + length
        raw = zlib.decompress(idat)
        assert len(raw) == size[1] * (1 + size[0] * 3)
        print(json.dumps({"count": len(tensors), "step": meta["step"], "shape": list(g.shape),
                          "first": float(g.flat[0]), "sum": float(g.sum()), "png": list(size)}))
        """
        let output = try runPython(script, arguments: [report.path, try #require(report.heatmapPath)])
        let result = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(result["count"] as? Int == trainer.model.parameters.all.count * 3)
        #expect(result["step"] as? String == "1")
        #expect(result["shape"] as? [Int] == gru.shape)
        #expect((result["first"] as? Double).map { Float($0) } == gru.w[0])
        let sum = gru.value.array().reduce(0.0) { $0 + Double($1) }
        #expect(abs((result["sum"] as? Double ?? .nan) - sum) < 1e-3)
        #expect(result["png"] as? [Int] == [validation.utterances[0].frames * 4, validation.utterances[0].tokens * 4])
    }

    private func runPython(_ script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitForExit()
        #expect(process.terminationStatus == 0, "python3 failed (scripts/test.sh installs safetensors and numpy): \(problems)")
        return text
    }
}
