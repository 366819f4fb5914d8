import Foundation
import Logging
import ServiceLifecycle
import Supervision
import Synchronization
import Training

/// The root of the supervision tree (DESIGN §2): the AlertActor and MemoryActor as permanent
/// children, and one TrialSupervisor per running trial as a temporary dynamic child.
///
/// Trials are admitted only while memory allows and while the session has not escalated: a
/// trial whose supervisor escalates (a restart storm) makes the root alert and stop admitting.
public final class TuningSupervisor: Service, Sendable {
    /// How trials are run.
    public let trialConfiguration: TrialConfiguration
    /// The alert fan-out.
    public let alerts: AlertActor
    /// The memory watchdog.
    public let memory: MemoryActor
    /// Memory a trial is expected to need when admitted, MiB.
    public let expectedTrialMiB: Double
    private let root: Supervisor
    private let state = Mutex(true)
    private let logger: Logger

    /// Why a trial was not run.
    public enum AdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The session escalated; it runs no more trials.
        case sessionEscalated
        /// Not enough memory for the trial now.
        case insufficientMemory(expectedMiB: Double)

        public var description: String {
            switch self {
            case .sessionEscalated: return "the session escalated after a restart storm and admits no more trials"
            case .insufficientMemory(let mib): return "not enough free memory for a trial expected to need \(Int(mib)) MiB"
            }
        }
    }

    /// The study's owner, when the tree runs a study.
    public let study: StudyActor?

    /// Creates the root; with a `study`, its StudyActor is a permanent child (it keeps the
    /// heartbeat of this process's trials in the study file).
    public init(trialConfiguration: TrialConfiguration, alerts: AlertActor, memory: MemoryActor = MemoryActor(),
                study: StudyActor? = nil, expectedTrialMiB: Double = 256, logger: Logger = Logger(label: "smarttuner.root")) {
        self.study = study
        self.trialConfiguration = trialConfiguration
        self.alerts = alerts
        self.memory = memory
        self.expectedTrialMiB = expectedTrialMiB
        self.logger = logger
        root = Supervisor(
            name: "tuning",
            options: SupervisorOptions(strategy: .oneForOne, intensity: RestartIntensity(maxRestarts: 10, within: .seconds(60)),
                                       time: trialConfiguration.time, logger: logger),
            children: [
                AnyChildSpec(ChildSpec<Void>(id: "alerts", shutdown: .graceful(timeout: .seconds(2))) { incarnation in
                    // Lives until the tree stops, whether or not any sink is configured.
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await alerts.run() }
                        await incarnation.shutdown.wait()
                        // Deliver what is queued (the session summary, last failures) before stopping.
                        await alerts.drain(timeout: .seconds(1))
                        group.cancelAll()
                    }
                }),
                AnyChildSpec(ChildSpec<Void>(id: "memory", shutdown: .brutal) { _ in try await memory.run() }),
            ] + (study.map { study in
                [AnyChildSpec(ChildSpec<Void>(id: "study", shutdown: .brutal) { _ in try await study.run() })]
            } ?? []))
    }

    /// Whether new trials are admitted.
    public var admissionOpen: Bool { state.withLock { $0 } }

    /// Runs the tree until shut down (a `Service`: SIGTERM/SIGINT stop it gracefully).
    public func run() async throws {
        let events = root.events()
        let watcher = Task { [weak self] in
            for await event in events { self?.observe(event) }
        }
        defer { watcher.cancel() }
        let alerts = self.alerts
        await memory.onPressure { sample in
            alerts.post(Alert(.memoryPressure, title: "Memory is low: \(Int(sample.availableMiB)) MiB available",
                              message: "tuner \(Int(sample.tunerMiB)) MiB; trials " +
                                sample.trials.map { "\($0.key) \(Int($0.value)) MiB" }.sorted().joined(separator: ", "),
                              coalescingKey: "memory-pressure"))
        }
        try await root.run()
    }

    /// Asks the tree to stop: running trials checkpoint and finish.
    public func shutdown() { root.shutdown() }

    /// Runs one trial under the tree; returns its outcome and its record, however the trial's
    /// tree ends (its supervisor's return value, never an event that might not come).
    /// `takenOver` seeds the record of a trial taken over from another process with its stored
    /// checkpoints. `onEvent`, `onStep` and `onMetrics` hear the trial's events, steps and
    /// figures as they happen (progress displays, stores).
    /// A trial that escalates past the session's restart budget returns its escalated outcome
    /// here while the root hears the escalation.
    /// - Throws: ``AdmissionError`` if it cannot be admitted; ``SupervisorError`` if the tree is
    ///   not running.
    public func runTrial(_ request: TrainRequest, takenOver: [Checkpoint] = [],
                         onEvent: (@Sendable (TrialEvent) -> Void)? = nil,
                         onStep: (@Sendable (Int, StepMetrics) -> Void)? = nil,
                         onMetrics: (@Sendable (TrialMetrics) -> Void)? = nil) async throws -> (outcome: TrialOutcome, record: TrialRecord) {
        guard admissionOpen else { throw AdmissionError.sessionEscalated }
        guard await memory.admit(trial: request.trialID, expectedMiB: expectedTrialMiB) else {
            throw AdmissionError.insufficientMemory(expectedMiB: expectedTrialMiB)
        }
        let alerts = self.alerts
        let record = TrialRecord(trialID: request.trialID, observer: { id, event in
            onEvent?(event)
            alerts.post(trialID: id, event: event)
        }, stepObserver: onStep, metricsObserver: onMetrics)
        record.seed(checkpoints: takenOver)
        var configuration = trialConfiguration
        configuration.memory = configuration.memory ?? memory
        let trial = TrialSupervisor(request: request, configuration: configuration, record: record)
        let ending = TrialEnding()
        let memory = self.memory
        do {
            try await root.startChild(ChildSpec<Void>(id: ChildID("trial-\(request.trialID)"), restart: .temporary,
                                                      shutdown: .graceful(timeout: .seconds(30))) { incarnation in
                do {
                    ending.resolve(.success(try await trial.run(shutdown: incarnation.shutdown)))
                } catch let escalation as SupervisorEscalation {
                    // Past the session's restart budget: the caller gets the escalated outcome,
                    // once admission is closed; the root hears the escalation too.
                    self.escalated(escalation)
                    ending.resolve(record.outcome.map { .success($0) } ?? .failure(escalation))
                    throw escalation
                } catch {
                    ending.resolve(.failure(error))
                    throw error
                }
            })
        } catch {
            ending.resolve(.failure(error))
        }
        defer { Task { await memory.release(trial: request.trialID) } }
        return (try await ending.outcome, record)
    }

    private func observe(_ event: SupervisorEvent) {
        guard case .failed(let failure) = event, let escalation = failure.error as? SupervisorEscalation else { return }
        escalated(escalation)
    }

    /// Closes admission and alerts, once, after a child escalated.
    private func escalated(_ escalation: SupervisorEscalation) {
        let first = state.withLock { open -> Bool in
            defer { open = false }
            return open
        }
        guard first else { return }
        logger.error("a trial escalated; no more trials are admitted", metadata: ["escalation": "\(escalation)"])
        alerts.post(Alert(.escalation, title: "Session escalated: no more trials will start",
                          message: escalation.description, coalescingKey: "escalation"))
    }
}
