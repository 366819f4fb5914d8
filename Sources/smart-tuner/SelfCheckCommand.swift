import ArgumentParser
import Foundation
import SmartTuner

struct SelfCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Checks OpenBLAS, SQLite and the supervision runtime on this machine.")

    func run() async throws {
        let blas = BLASCheck().run()
        print("OpenBLAS sgemm \(blas.size)x\(blas.size), \(blas.threads) thread: \(String(format: "%.1f", blas.gflops)) GFLOP/s (max error \(blas.maxError))")
    }
}
