import Logging

/// Checks this machine end to end: OpenBLAS speed and correctness, SQLite in WAL mode, and
/// the supervision runtime restarting a faulty worker. The main job until the built-in
/// workload exists.
public struct SelfCheck: Sendable {
    /// Everything the self-check measured.
    public struct Report: Sendable, Codable {
        /// OpenBLAS on one thread.
        public let blas: BLASCheck.Result
        /// SQLite in WAL mode.
        public let sqlite: SQLiteCheck.Result
        /// The supervision drill.
        public let supervision: SupervisionDrill.Result
    }

    /// Creates a self-check with default sizes.
    public init() {}

    /// Runs all three checks.
    public func run(logger: Logger) async throws -> Report {
        let blas = BLASCheck().run()
        let sqlite = try SQLiteCheck().run()
        let supervision = try await SupervisionDrill().run(logger: logger)
        return Report(blas: blas, sqlite: sqlite, supervision: supervision)
    }
}
