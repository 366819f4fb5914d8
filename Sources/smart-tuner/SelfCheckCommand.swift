import ArgumentParser
import Foundation
import Logging
import SelfCheck
import SmartTuner

struct SelfCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Checks OpenBLAS, SQLite and the supervision runtime on this machine.")

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "smart-tuner")
        logger.logLevel = json ? .critical : .notice
        let report = try await SelfCheck().run(logger: logger)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let blas = report.blas
        print("OpenBLAS   sgemm \(blas.size)×\(blas.size), \(blas.threads) thread: \(format(blas.gflops)) GFLOP/s, max error \(blas.maxError)")
        let sqlite = report.sqlite
        print("SQLite     \(sqlite.version), journal \(sqlite.journalMode), \(sqlite.rows) inserts at \(format(sqlite.insertsPerSecond / 1e6)) M/s, integrity \(sqlite.integrity)")
        let drill = report.supervision
        print("Supervisor \(drill.restarts) restarts, final learning rate \(drill.finalLearningRate), immediate restart \(format(drill.meanImmediateRestartMicroseconds)) µs mean")
        for line in drill.events { print("           \(line)") }
    }

    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
