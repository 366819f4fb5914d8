import Foundation
import Testing

/// Scratch paths for tests. Inside a suite marked `.scratch`, every path lies in one folder of
/// that suite, which is removed when the suite ends; a run of the tests then leaves nothing in
/// the temporary directory. Outside such a suite, paths lie in the temporary directory itself.
public enum Scratch {
    @TaskLocal static var root: String?

    /// A new path `<folder>/<prefix>-<UUID><suffix>`; nothing is created there.
    public static func path(_ prefix: String, suffix: String = "") -> String {
        let folder = root ?? NSTemporaryDirectory()
        return (folder as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString)\(suffix)")
    }

    /// A new, empty folder (see ``path(_:suffix:)``).
    public static func folder(_ prefix: String) throws -> String {
        let folder = path(prefix)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// Gives a suite its scratch folder for ``Scratch`` and removes it when the suite ends.
public struct ScratchFolderTrait: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("smarttuner-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Scratch.$root.withValue(folder) { try await function() }
    }
}

extension Trait where Self == ScratchFolderTrait {
    /// The suite's scratch paths (``Scratch``) lie in one folder, removed when the suite ends.
    public static var scratch: Self { Self() }
}
