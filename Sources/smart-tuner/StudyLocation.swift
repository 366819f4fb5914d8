import ArgumentParser
import Foundation
import SmartTuner

/// Which study a read or ask/tell command works on: a study file and a study name, or a
/// configuration file naming both.
struct StudyLocation: ParsableArguments {
    @Option(help: "The study configuration (YAML); names the study file and the study.")
    var config: String?

    @Option(help: "Where the study is stored (a file path or sqlite:/// URL), instead of --config.")
    var storage: String?

    @Option(help: "The study's name (default: the only study in the file).")
    var study: String?

    /// Opens the store and finds the study.
    func open(readOnly: Bool) async throws -> (any StudyStore, StoredStudy) {
        var path = storage, name = study
        if let config {
            let settings = try StudyConfigurationFile.load(path: config)
            path = path ?? settings.storage
            name = name ?? settings.name
        }
        guard let path else { throw ValidationError("give --config FILE.yaml or --storage FILE.db") }
        let store = try await StoreLocation(path).open(readOnly: readOnly)
        if let name { return (store, try await store.study(named: name)) }
        let names = try await store.studyNames()
        guard names.count == 1 else {
            throw CommandFailure(names.isEmpty ? "\(path) has no studies yet" : "\(path) has several studies (\(names.joined(separator: ", "))); give --study NAME")
        }
        return (store, try await store.study(named: names[0]))
    }
}

/// JSON output with sorted keys.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // One documented way for non-finite numbers, the worker protocol's (docs/study.md).
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
