import Crypto
import Foundation

/// Saving and resuming TinyTacotron: weights and Adam moments in safetensors, with the step,
/// hyperparameters and corpus configuration in `__metadata__`, and a SHA-256 file beside it.
extension TacotronTrainer {
    static let checkpointFormat = "smart-tuner/tiny-tacotron/1"

    /// Writes `checkpoint-<step>.safetensors` (and its `.sha256`) into `directory`, atomically.
    /// - Throws: ``CheckpointError/unreadable(path:reason:)`` if the directory cannot be written.
    @discardableResult
    public func saveCheckpoint(in directory: String, heatmap: ValidationUtterance? = nil) throws -> CheckpointReport {
        let name = String(format: "checkpoint-%07d", step)
        let path = (directory as NSString).appendingPathComponent(name + ".safetensors")
        var tensors: [(name: String, tensor: SafetensorsFile.Tensor)] = []
        var weightsFinite = true
        for (index, parameter) in model.parameters.all.enumerated() {
            for i in 0..<parameter.count where !parameter.w[i].isFinite {
                weightsFinite = false
                break
            }
            tensors.append((parameter.name, .init(shape: parameter.shape, values: parameter.value.array())))
            tensors.append(("adam.m." + parameter.name, .init(shape: parameter.shape, values: optimizer.firstMoments[index].array())))
            tensors.append(("adam.v." + parameter.name, .init(shape: parameter.shape, values: optimizer.secondMoments[index].array())))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let metadata = [
            "format": Self.checkpointFormat,
            "step": String(step),
            "adam_updates": String(optimizer.updates),
            "hyperparameters": String(decoding: try encoder.encode(hyperparameters), as: UTF8.self),
            "corpus": String(decoding: try encoder.encode(corpus.configuration), as: UTF8.self),
            "corpus_seed": String(corpus.configuration.seed),
        ]
        let data = try SafetensorsFile(tensors: tensors, metadata: metadata).encoded()
        let digest = sha256Hex(data)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            try Data("\(digest)  \(name).safetensors\n".utf8).write(to: URL(fileURLWithPath: path + ".sha256"), options: .atomic)
        } catch {
            throw CheckpointError.unreadable(path: path, reason: error.localizedDescription)
        }
        var heatmapPath: String?
        if let utterance = heatmap {
            let png = (directory as NSString).appendingPathComponent(name + "-attention.png")
            if (try? AttentionHeatmap(utterance).png().write(to: URL(fileURLWithPath: png), options: .atomic)) != nil {
                heatmapPath = png
            }
        }
        return CheckpointReport(path: path, step: step, sha256: digest, heatmapPath: heatmapPath, weightsFinite: weightsFinite)
    }

    /// A trainer resumed from a verified checkpoint: same corpus, weights, optimizer state and
    /// step, so training continues exactly as if never interrupted.
    ///
    /// `hyperparameters` replaces the checkpoint's own (smart restart resumes with, say, half
    /// the learning rate); the model's sizes must stay those of the checkpoint.
    /// - Throws: ``CheckpointError`` for a missing, corrupt, truncated or mismatched file, or
    ///   for replacement hyperparameters that change the model's sizes.
    public convenience init(checkpoint path: String, hyperparameters replacement: TacotronHyperparameters? = nil,
                            blasThreads: Int = 1) throws {
        let data = try Self.verifiedData(path)
        let file = try SafetensorsFile.decode(data, path: path)
        guard file.metadata["format"] == Self.checkpointFormat else {
            throw CheckpointError.mismatch(path: path, reason: "format is '\(file.metadata["format"] ?? "missing")', expected '\(Self.checkpointFormat)'")
        }
        let decoder = JSONDecoder()
        guard let hyperparametersJSON = file.metadata["hyperparameters"], let corpusJSON = file.metadata["corpus"],
              let hyperparameters = try? decoder.decode(TacotronHyperparameters.self, from: Data(hyperparametersJSON.utf8)),
              let corpus = try? decoder.decode(CorpusConfiguration.self, from: Data(corpusJSON.utf8)),
              let step = file.metadata["step"].flatMap(Int.init), let updates = file.metadata["adam_updates"].flatMap(Int.init)
        else {
            throw CheckpointError.mismatch(path: path, reason: "its metadata lacks a valid step, adam_updates, hyperparameters or corpus")
        }
        if let replacement {
            let structural: [(String, Int, Int)] = [
                ("encoder_size", hyperparameters.encoderSize, replacement.encoderSize),
                ("encoder_layers", hyperparameters.encoderLayers, replacement.encoderLayers),
                ("prenet_size", hyperparameters.prenetSize, replacement.prenetSize),
                ("decoder_size", hyperparameters.decoderSize, replacement.decoderSize),
                ("attention_size", hyperparameters.attentionSize, replacement.attentionSize),
                ("location_filters", hyperparameters.locationFilters, replacement.locationFilters),
                ("location_kernel", hyperparameters.locationKernel, replacement.locationKernel),
            ]
            for (name, stored, wanted) in structural where stored != wanted {
                throw CheckpointError.mismatch(path: path, reason: "\(name) is \(stored) in the checkpoint; a resumed run cannot change it to \(wanted)")
            }
        }
        try self.init(corpus: corpus, hyperparameters: replacement ?? hyperparameters, blasThreads: blasThreads)
        let byName = Dictionary(file.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (index, parameter) in model.parameters.all.enumerated() {
            for (prefix, target) in [("", parameter.value), ("adam.m.", optimizer.firstMoments[index]),
                                     ("adam.v.", optimizer.secondMoments[index])] {
                guard let tensor = byName[prefix + parameter.name] else {
                    throw CheckpointError.mismatch(path: path, reason: "tensor '\(prefix + parameter.name)' is missing")
                }
                guard tensor.shape == parameter.shape else {
                    throw CheckpointError.mismatch(path: path, reason: "tensor '\(prefix + parameter.name)' has shape \(tensor.shape), the model needs \(parameter.shape)")
                }
                target.assign(tensor.values)
            }
        }
        restore(step: step, updates: updates)
    }

    /// The file's bytes, after checking them against the SHA-256 written beside them.
    static func verifiedData(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "no such file, or it cannot be read")
        }
        guard let digestFile = FileManager.default.contents(atPath: path + ".sha256"),
              let expected = String(decoding: digestFile, as: UTF8.self).split(separator: " ").first.map(String.init),
              !expected.isEmpty else {
            throw CheckpointError.missingDigest(path: path)
        }
        let actual = sha256Hex(data)
        guard actual == expected.lowercased().trimmingCharacters(in: .whitespacesAndNewlines) else {
            throw CheckpointError.digestMismatch(path: path, expected: expected, actual: actual)
        }
        return data
    }
}

/// The SHA-256 of `data` as lowercase hex.
func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}
