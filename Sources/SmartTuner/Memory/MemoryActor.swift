import Foundation
import Logging
import Supervision
import Synchronization

/// Watches memory (DESIGN §2): samples the tuner's and every registered trial process's RSS,
/// MemAvailable, and GPU memory where nvidia-smi exists; stops a trial that goes over its
/// budget; and admits a new trial only when its expected memory fits.
public actor MemoryActor {
    /// One sample.
    public struct Sample: Sendable, Codable {
        /// The tuner's own RSS, MiB.
        public let tunerMiB: Double
        /// MemAvailable, MiB.
        public let availableMiB: Double
        /// RSS of each watched trial process, MiB, by trial id.
        public let trials: [String: Double]
        /// GPU memory, where known.
        public let gpus: [GPUMemory]
    }

    private struct Watch {
        let pid: Int32
        let budgetMiB: Double
        let onOverBudget: @Sendable (Evidence) -> Void
        var fired = false
    }

    /// How often to sample.
    public let interval: Duration
    /// Memory kept free for the system when admitting trials, MiB.
    public let reserveMiB: Double
    private let logger: Logger
    private var onPressure: (@Sendable (Sample) -> Void)?
    private var watches: [String: Watch] = [:]
    private var admitted: [String: Double] = [:]
    private var lastSample: Sample?

    /// Creates a memory watchdog. `onPressure` hears samples in which available memory fell below
    /// the reserve.
    public init(interval: Duration = .seconds(1), reserveMiB: Double = 512, logger: Logger = Logger(label: "smarttuner.memory"),
                onPressure: (@Sendable (Sample) -> Void)? = nil) {
        self.interval = interval
        self.reserveMiB = reserveMiB
        self.logger = logger
        self.onPressure = onPressure
    }

    /// Sets who hears samples in which available memory fell below the reserve.
    public func onPressure(_ handler: @escaping @Sendable (Sample) -> Void) { onPressure = handler }

    /// Watches the process of `trial`; `onOverBudget` is called once if its RSS exceeds `budgetMiB`.
    public func watch(trial: String, pid: Int32, budgetMiB: Double, onOverBudget: @escaping @Sendable (Evidence) -> Void) {
        watches[trial] = Watch(pid: pid, budgetMiB: budgetMiB, onOverBudget: onOverBudget)
    }

    /// Stops watching `trial` and releases its admission.
    public func release(trial: String) {
        watches[trial] = nil
        admitted[trial] = nil
    }

    /// Admits `trial` if `expectedMiB` fits in available memory minus the reserve and what
    /// admitted trials have been promised but may not use yet.
    public func admit(trial: String, expectedMiB: Double) -> Bool {
        let available = ProcessMemory.availableMiB() ?? .infinity
        let promised = admitted.values.reduce(0, +)
        guard available - reserveMiB - promised >= expectedMiB else {
            logger.notice("admission refused", metadata: ["trial": "\(trial)", "expected_mib": "\(expectedMiB)", "available_mib": "\(available)"])
            return false
        }
        admitted[trial] = expectedMiB
        return true
    }

    /// The most recent sample.
    public var latest: Sample? { lastSample }

    /// Takes one sample and enforces the budgets.
    @discardableResult
    public func sampleNow() async -> Sample {
        var trials: [String: Double] = [:]
        for (trial, watch) in watches {
            guard let rss = ProcessMemory.residentMiB(pid: watch.pid) else { continue }
            trials[trial] = rss
            if rss > watch.budgetMiB, !watch.fired {
                watches[trial]?.fired = true
                logger.warning("trial over its memory budget", metadata: ["trial": "\(trial)", "rss_mib": "\(rss)", "budget_mib": "\(watch.budgetMiB)"])
                watch.onOverBudget(Evidence(
                    "RSS \(Int(rss)) MiB over the \(Int(watch.budgetMiB)) MiB budget",
                    values: ["rss_mib": rss, "budget_mib": watch.budgetMiB, "pid": Double(watch.pid)]))
            }
        }
        let sample = Sample(tunerMiB: ProcessMemory.residentMiB() ?? 0, availableMiB: ProcessMemory.availableMiB() ?? .infinity,
                            trials: trials, gpus: await GPUMemoryProbe.sample())
        lastSample = sample
        if sample.availableMiB < reserveMiB { onPressure?(sample) }
        return sample
    }

    /// Samples every `interval` until cancelled.
    public func run() async throws {
        while true {
            await sampleNow()
            try await Task.sleep(for: interval)
        }
    }
}
