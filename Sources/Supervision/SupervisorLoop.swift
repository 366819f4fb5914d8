import DequeModule
import Logging
import Randomness

/// The state and decisions of one running supervisor. Owned by the supervisor's loop task
/// and touched by nothing else, so it needs no locks and cannot be re-entered.
final class SupervisorLoop {
    private struct Slot {
        let child: any SupervisedChild
        var generation = 0
        var phase: Phase = .idle
        var consecutiveRestarts = 0
        var history: Deque<RestartRecord> = []
        var restartCount = 0
        var startedAt: Duration = .zero
    }

    private enum Phase {
        case running(Task<Void, Never>, ShutdownSignal)
        case waiting(token: UInt64)
        /// Ended, and neither running nor scheduled to restart (yet).
        case idle
    }

    private enum Flow {
        case proceed
        case finish
        case cancel
        case escalate(SupervisorEscalation)
    }

    private let name: String
    private let options: SupervisorOptions
    private let inbox: AsyncStream<SupervisorInput>.Continuation
    private let broadcast: EventBroadcast<SupervisorEvent>
    private var logger: Logger
    private var rng: SplitMix64
    private var slots: [Slot] = []
    private var recentRestarts: Deque<Duration> = []
    private var recentEnds: Deque<(at: Duration, reason: TerminationReason)> = []
    private var timers: [UInt64: (task: Task<Void, Never>, delay: Duration)] = [:]
    private var nextToken: UInt64 = 0

    init(name: String, options: SupervisorOptions, inbox: AsyncStream<SupervisorInput>.Continuation,
         broadcast: EventBroadcast<SupervisorEvent>) {
        self.name = name
        self.options = options
        self.inbox = inbox
        self.broadcast = broadcast
        self.logger = options.logger
        self.logger[metadataKey: "supervisor"] = "\(name)"
        self.rng = SplitMix64(seed: options.seed)
    }

    func run(children: [AnyChildSpec], inbox events: AsyncStream<SupervisorInput>) async throws {
        var seen = Set<ChildID>()
        if let duplicate = children.first(where: { !seen.insert($0.id).inserted }) {
            inbox.finish()
            broadcast.finish()
            throw SupervisorError.duplicateChild(duplicate.id, supervisor: name)
        }
        for spec in children {
            await start(spec.makeChild())
        }
        var flow = Flow.proceed
        var iterator = events.makeAsyncIterator()
        while case .proceed = flow, let input = await iterator.next() {
            flow = await handle(input)
        }
        await windDown(flow)
        inbox.finish()
        while let input = await iterator.next() { refuse(input) }
        broadcast.finish()
        switch flow {
        case .escalate(let escalation): throw escalation
        case .cancel: throw CancellationError()
        case .proceed, .finish: return
        }
    }

    // MARK: Inputs

    private func handle(_ input: SupervisorInput) async -> Flow {
        switch input {
        case .exited(let id, let generation, let outcome):
            return await handleExit(id, generation: generation, outcome: outcome)
        case .restartDue(let token):
            if let timer = timers.removeValue(forKey: token) {
                await launchGroup(token, after: timer.delay)
            }
            return .proceed
        case .startChild(let spec, let reply):
            guard index(of: spec.id) == nil else {
                reply.resume(throwing: SupervisorError.duplicateChild(spec.id, supervisor: name))
                return .proceed
            }
            await start(spec.makeChild())
            reply.resume()
            return .proceed
        case .stopChild(let id, let reply):
            guard let index = index(of: id) else {
                reply.resume(throwing: SupervisorError.noSuchChild(id, supervisor: name))
                return .proceed
            }
            await stop(at: index, brutally: false, reason: .requested)
            slots.remove(at: index)
            reply.resume()
            return .proceed
        case .listChildren(let reply):
            reply.resume(returning: slots.map { slot in
                let state: ChildInfo.State
                if case .running = slot.phase { state = .running } else { state = .restarting }
                return ChildInfo(id: slot.child.id, generation: slot.generation, state: state)
            })
            return .proceed
        case .shutdown:
            return .finish
        case .cancel:
            return .cancel
        }
    }

    private func refuse(_ input: SupervisorInput) {
        let error = SupervisorError.notRunning(supervisor: name)
        switch input {
        case .startChild(_, let reply), .stopChild(_, let reply): reply.resume(throwing: error)
        case .listChildren(let reply): reply.resume(throwing: error)
        case .exited, .restartDue, .shutdown, .cancel: break
        }
    }

    private func handleExit(_ id: ChildID, generation: Int, outcome: ChildOutcome) async -> Flow {
        guard let index = index(of: id), slots[index].generation == generation,
              case .running = slots[index].phase else { return .proceed }  // already reaped
        let now = options.time.now()
        let reason: TerminationReason
        switch outcome {
        case .returned: reason = .completed
        case .threw(let error): reason = .failed(ChildFailure(childID: id, generation: generation, cause: .threw(error)))
        case .cancelled: reason = .failed(ChildFailure(childID: id, generation: generation, cause: .cancelled))
        }
        slots[index].phase = .idle
        if let failure = reason.failure {
            logger.warning("child failed", metadata: ["child": "\(id)", "generation": "\(generation)", "cause": "\(failure)"])
            await broadcast.publish(.failed(failure))
        } else {
            await broadcast.publish(.stopped(id, generation: generation, reason: .completed))
        }
        while let oldest = recentEnds.first, now - oldest.at > options.intensity.period { recentEnds.removeFirst() }
        recentEnds.append((now, reason))
        while recentEnds.count > options.intensity.maxRestarts + 1 { recentEnds.removeFirst() }

        let child = slots[index].child
        guard child.restart.restarts(after: reason) else { return endForGood(at: index) }
        if now - slots[index].startedAt >= options.backoff.resetAfter {
            slots[index].consecutiveRestarts = 0
        }
        let proposed = options.backoff.delay(
            consecutiveRestarts: slots[index].consecutiveRestarts, unitRandom: rng.nextUnit())
        let decision = child.decide(RestartContextParts(
            generation: generation, reason: reason, history: Array(slots[index].history),
            restartCount: slots[index].restartCount, proposedDelay: proposed, now: now))
        switch decision {
        case .stop:
            return endForGood(at: index)
        case .escalate:
            return .escalate(escalation(for: id, trigger: .decider))
        case .restart(let delay):
            guard options.intensity.admits(restartAt: now, recent: &recentRestarts) else {
                return .escalate(escalation(for: id, trigger: .intensityExceeded(
                    maxRestarts: options.intensity.maxRestarts, period: options.intensity.period)))
            }
            slots[index].consecutiveRestarts += 1
            slots[index].restartCount += 1
            slots[index].history.append(RestartRecord(generation: generation, reason: reason, at: now, delay: delay))
            if slots[index].history.count > RestartRecord.keptPerChild { slots[index].history.removeFirst() }
            logger.notice("restarting child", metadata: ["child": "\(id)", "after": "\(delay)", "reason": "\(reason)"])
            await restartGroup(triggeredBy: id, delay: delay)
            return .proceed
        }
    }

    /// A child that will not be restarted leaves the supervisor; a significant one may end it.
    private func endForGood(at index: Int) -> Flow {
        let child = slots.remove(at: index).child
        guard child.significant else { return .proceed }
        switch options.autoShutdown {
        case .never: return .proceed
        case .anySignificant: return .finish
        case .allSignificant: return slots.contains { $0.child.significant } ? .proceed : .finish
        }
    }

    private func escalation(for id: ChildID, trigger: SupervisorEscalation.Trigger) -> SupervisorEscalation {
        let escalation = SupervisorEscalation(
            supervisor: name, childID: id, trigger: trigger, causes: recentEnds.map(\.reason))
        logger.error("escalating", metadata: ["child": "\(id)", "escalation": "\(escalation)"])
        return escalation
    }

    // MARK: Starting and restarting

    /// Starts the first incarnation of a child whose id is not in use.
    private func start(_ child: any SupervisedChild) async {
        slots.append(Slot(child: child))
        launch(at: slots.count - 1, generation: 0)
        await broadcast.publish(.started(child.id, generation: 0))
    }

    private func launch(at index: Int, generation: Int) {
        let signal = ShutdownSignal()
        let body = slots[index].child.body(generation: generation, signal: signal)
        let id = slots[index].child.id
        let inbox = self.inbox
        let task = Task {
            let outcome: ChildOutcome
            do {
                try await body()
                outcome = .returned
            } catch is CancellationError {
                outcome = .cancelled
            } catch {
                outcome = .threw(error)
            }
            inbox.yield(.exited(id, generation: generation, outcome))
        }
        slots[index].generation = generation
        slots[index].phase = .running(task, signal)
        slots[index].startedAt = options.time.now()
    }

    /// Stops the siblings the strategy names (reverse start order), then restarts the group in
    /// start order once `delay` has passed.
    private func restartGroup(triggeredBy id: ChildID, delay: Duration) async {
        guard let trigger = index(of: id) else { return }
        let group: [ChildID]
        switch options.strategy {
        case .oneForOne: group = [id]
        case .oneForAll: group = slots.map(\.child.id)
        case .restForOne: group = slots[trigger...].map(\.child.id)
        }
        for sibling in group.reversed() where sibling != id {
            if let index = index(of: sibling) {
                await stop(at: index, brutally: false, reason: .siblingRestart)
            }
        }
        nextToken += 1
        let token = nextToken
        for member in group {
            guard let index = index(of: member) else { continue }
            if member != id && slots[index].child.restart == .temporary {
                slots.remove(at: index)
            } else {
                slots[index].phase = .waiting(token: token)
            }
        }
        dropEmptyTimers()
        if delay == .zero {
            await launchGroup(token, after: .zero)
        } else {
            let time = options.time
            let inbox = self.inbox
            let task = Task {
                do {
                    try await time.sleep(for: delay)
                    inbox.yield(.restartDue(token: token))
                } catch {
                    // Cancelled: the group was stopped or re-formed before its delay ended.
                }
            }
            timers[token] = (task, delay)
        }
    }

    private func launchGroup(_ token: UInt64, after delay: Duration) async {
        for index in slots.indices {
            guard case .waiting(let waiting) = slots[index].phase, waiting == token else { continue }
            let generation = slots[index].generation + 1
            launch(at: index, generation: generation)
            await broadcast.publish(.restarted(slots[index].child.id, generation: generation, after: delay))
        }
    }

    private func dropEmptyTimers() {
        for token in timers.keys where !slots.contains(where: {
            if case .waiting(let waiting) = $0.phase { return waiting == token }
            return false
        }) {
            timers.removeValue(forKey: token)?.task.cancel()
        }
    }

    // MARK: Stopping

    /// Stops a running child by its shutdown mode (or at once) and reports it stopped.
    /// A child waiting to restart just stops waiting; its end was reported already.
    private func stop(at index: Int, brutally: Bool, reason: SupervisorEvent.StopReason) async {
        guard case .running(let task, let signal) = slots[index].phase else {
            slots[index].phase = .idle
            dropEmptyTimers()
            return
        }
        switch (brutally, slots[index].child.shutdown) {
        case (true, _), (false, .brutal):
            task.cancel()
        case (false, .graceful(let timeout)):
            signal.request()
            if await !Self.ends(task, within: timeout, time: options.time) { task.cancel() }
        }
        await task.value
        slots[index].phase = .idle
        await broadcast.publish(.stopped(slots[index].child.id, generation: slots[index].generation, reason: reason))
    }

    /// Whether `task` ends within `timeout`. If not, the caller cancels it.
    private static func ends(_ task: Task<Void, Never>, within timeout: Duration, time: TimeSource) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await task.value
                return true
            }
            group.addTask {
                do {
                    try await time.sleep(for: timeout)
                } catch {
                    // The group is being torn down because the task ended first.
                }
                return false
            }
            let first = await group.next() ?? true
            if !first { task.cancel() }  // lets the first child task finish
            group.cancelAll()
            return first
        }
    }

    private func windDown(_ flow: Flow) async {
        let brutal: Bool
        let reason: SupervisorEvent.StopReason
        switch flow {
        case .cancel: (brutal, reason) = (true, .shutdown)
        case .escalate: (brutal, reason) = (false, .escalation)
        case .proceed, .finish: (brutal, reason) = (false, .shutdown)
        }
        for timer in timers.values { timer.task.cancel() }
        timers.removeAll()
        for index in slots.indices.reversed() {
            await stop(at: index, brutally: brutal, reason: reason)
        }
        slots.removeAll()
        if case .escalate(let escalation) = flow {
            await broadcast.publish(.escalated(escalation))
        }
    }

    private func index(of id: ChildID) -> Int? {
        slots.firstIndex { $0.child.id == id }
    }
}
