import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// GPU memory as `nvidia-smi` reports it, where that tool exists.
public struct GPUMemory: Sendable, Hashable, Codable {
    /// The GPU's index.
    public let index: Int
    /// Memory in use, MiB.
    public let usedMiB: Double
    /// Total memory, MiB.
    public let totalMiB: Double
}

/// Reads GPU memory through `nvidia-smi`; finds nothing (and costs nothing) on machines without it.
public enum GPUMemoryProbe {
    /// The path of nvidia-smi on PATH, if any.
    public static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/nvidia-smi" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Current GPU memory, or an empty list without nvidia-smi or when it fails.
    public static func sample() async -> [GPUMemory] {
        guard let executable else { return [] }
        let result = try? await run(
            .path(FilePath(executable)),
            arguments: ["--query-gpu=index,memory.used,memory.total", "--format=csv,noheader,nounits"],
            output: .string(limit: 65_536))
        guard let text = result?.standardOutput else { return [] }
        return parse(text)
    }

    /// Parses `index, used, total` CSV lines.
    static func parse(_ text: String) -> [GPUMemory] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3, let index = Int(fields[0]), let used = Double(fields[1]), let total = Double(fields[2]) else {
                return nil
            }
            return GPUMemory(index: index, usedMiB: used, totalMiB: total)
        }
    }
}
