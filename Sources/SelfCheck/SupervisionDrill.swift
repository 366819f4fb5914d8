import Randomness
import Logging
import Supervision

/// A supervised worker that fails by a seeded plan and is restarted by a decider that halves
/// its learning rate: the supervision runtime end to end, with real time and real backoff.
public struct SupervisionDrill: Sendable {
    /// What the drill saw.
    public struct Result: Sendable, Codable {
        /// The lifecycle events, as text, in order.
        public let events: [String]
        /// Restarts performed.
        public let restarts: Int
        /// The learning rate of the incarnation that completed.
        public let finalLearningRate: Double
        /// Mean time from a failure to its replacement running (restarts with zero delay), µs.
        public let meanImmediateRestartMicroseconds: Double
    }

    /// Failures before the worker is allowed to finish.
    public var failures: Int
    /// The seed of the fault plan and of the backoff jitter.
    public var seed: UInt64
    /// The first learning rate.
    public var learningRate: Double

    /// Creates a drill.
    public init(failures: Int = 3, seed: UInt64 = 7, learningRate: Double = 1e-3) {
        self.failures = max(0, failures)
        self.seed = seed
        self.learningRate = learningRate
    }

    /// Thrown by the worker at its planned failure step.
    struct PlannedFault: Error, CustomStringConvertible {
        let step: Int
        var description: String { "planned fault at step \(step)" }
    }

    /// Runs the drill to completion.
    public func run(logger: Logger = Logger(label: "smarttuner.drill")) async throws -> Result {
        var plan = SplitMix64(seed: seed)
        let failSteps = (0..<failures).map { _ in 5 + Int(plan.next() % 20) }
        let failuresPlanned = failures
        let completedWith = LockedValue<Double?>(nil)
        let worker = ChildSpec<Double>(
            id: "worker", input: learningRate, restart: .transient, significant: true,
            decider: { context in
                context.reason.failure == nil ? .stop : .restart(input: context.input * 0.5, after: context.proposedDelay)
            }
        ) { incarnation in
            for step in 0..<30 {
                try Task.checkCancellation()
                if incarnation.generation < failuresPlanned, step == failSteps[incarnation.generation] {
                    throw PlannedFault(step: step)
                }
                await Task.yield()
            }
            completedWith.withLock { $0 = incarnation.input }
        }
        let supervisor = Supervisor(
            name: "drill",
            options: SupervisorOptions(
                intensity: RestartIntensity(maxRestarts: failures + 1, within: .seconds(60)),
                backoff: Backoff(minimum: .milliseconds(2), maximum: .milliseconds(20), jitter: 0.2),
                autoShutdown: .anySignificant, seed: seed, logger: logger),
            children: [AnyChildSpec(worker)])
        let events = supervisor.events()
        let collector = Task {
            var lines: [String] = []
            for await event in events { lines.append(event.description) }
            return lines
        }
        try await supervisor.run()
        let lines = await collector.value
        let immediate = try await Self.immediateRestartLatency(samples: 200)
        return Result(events: lines, restarts: lines.filter { $0.hasPrefix("restarted") }.count,
                      finalLearningRate: completedWith.value ?? .nan,
                      meanImmediateRestartMicroseconds: immediate)
    }

    /// Mean time from a child's throw to its next incarnation starting, with no backoff.
    static func immediateRestartLatency(samples: Int) async throws -> Double {
        let clock = ContinuousClock()
        let marks = LockedValue<[ContinuousClock.Instant]>([])
        let child = ChildSpec<Void>(id: "bouncer", restart: .transient, significant: true) { incarnation in
            let now = clock.now
            marks.withLock { $0.append(now) }
            if incarnation.generation < samples { throw PlannedFault(step: incarnation.generation) }
        }
        let supervisor = Supervisor(
            name: "latency",
            options: SupervisorOptions(intensity: RestartIntensity(maxRestarts: samples + 1, within: .seconds(600)),
                                       autoShutdown: .anySignificant,
                                       logger: Logger(label: "latency", factory: { _ in SwiftLogNoOpLogHandler() })),
            children: [AnyChildSpec(child)])
        try await supervisor.run()
        let starts = marks.value
        let gaps = zip(starts, starts.dropFirst()).map { $0.duration(to: $1) }
        return gaps.isEmpty ? 0 : gaps.map(\.seconds).reduce(0, +) / Double(gaps.count) * 1e6
    }
}
