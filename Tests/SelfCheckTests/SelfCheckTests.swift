import Logging
import Testing

@testable import SelfCheck

@Suite("Self-check")
struct SelfCheckTests {
    @Test("the drill restarts the worker once per planned fault, halving its learning rate each time")
    func drill() async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let result = try await SupervisionDrill(failures: 3, seed: 11, learningRate: 0.08).run(logger: quiet)
        #expect(result.restarts == 3)
        #expect(result.finalLearningRate == 0.01)
        #expect(result.events.first == "started worker#0")
        #expect(result.events.last == "stopped worker#3 (completed)")
        #expect(result.events.filter { $0.hasPrefix("failed") }.count == 3)
        #expect(result.meanImmediateRestartMicroseconds > 0)
    }

    @Test("a drill with no faults completes its first incarnation")
    func noFaults() async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let result = try await SupervisionDrill(failures: 0, learningRate: 0.5).run(logger: quiet)
        #expect(result.restarts == 0)
        #expect(result.finalLearningRate == 0.5)
        #expect(result.events == ["started worker#0", "stopped worker#0 (completed)"])
    }

    @Test("BLAS is correct and SQLite runs in WAL mode with an intact database")
    func libraries() throws {
        let blas = BLASCheck(size: 64, repetitions: 2).run()
        #expect(blas.maxError < 1e-4)
        #expect(blas.gflops > 0)
        let sqlite = try SQLiteCheck(rows: 500).run()
        #expect(sqlite.journalMode == "wal")
        #expect(sqlite.integrity == "ok")
        #expect(sqlite.rows == 500)
    }
}
