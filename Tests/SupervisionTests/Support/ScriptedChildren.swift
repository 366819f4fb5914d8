import Synchronization
import Testing

@testable import Supervision

/// How a test tells a scripted child incarnation to end.
enum ExitKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case normal, thrown, cancelled
    var testDescription: String { rawValue }
}

/// How a scripted incarnation actually ended, as the child saw it.
enum ObservedEnd: String, Sendable, Equatable {
    case normal, thrown, cancelled
    /// It saw a graceful stop request and returned.
    case graceful
    /// Its supervisor cancelled it.
    case killed
}

struct ScriptedError: Error, Equatable {
    let id: ChildID
    let generation: Int
}

struct IncarnationKey: Hashable, Sendable, CustomStringConvertible {
    let id: ChildID
    let generation: Int
    var description: String { "\(id)#\(generation)" }
}

/// Children whose incarnations wait until the test tells each how to end, and that record how
/// they ended.
final class ScriptedChildren: Sendable {
    private enum Command: Sendable { case exit(ExitKind), stopRequested, cancelled }

    private struct State {
        var pending: [IncarnationKey: ExitKind] = [:]
        var waiting: [IncarnationKey: CheckedContinuation<Command, Never>] = [:]
        var ends: [IncarnationKey: ObservedEnd] = [:]
        var inputs: [IncarnationKey: Int] = [:]
    }

    private let state = Mutex(State())
    /// Whether children return when asked to stop gracefully (otherwise they wait to be cancelled).
    let honoursGracefulStop: Bool

    init(honoursGracefulStop: Bool = true) {
        self.honoursGracefulStop = honoursGracefulStop
    }

    /// Tells incarnation `generation` of `id` to end as `kind` (now, or as soon as it runs).
    func exit(_ id: ChildID, generation: Int, as kind: ExitKind) {
        let key = IncarnationKey(id: id, generation: generation)
        let waiter = state.withLock { state -> CheckedContinuation<Command, Never>? in
            if let waiter = state.waiting.removeValue(forKey: key) { return waiter }
            state.pending[key] = kind
            return nil
        }
        waiter?.resume(returning: .exit(kind))
    }

    /// How each incarnation ended, as it saw it.
    var ends: [IncarnationKey: ObservedEnd] { state.withLock { $0.ends } }

    /// The inputs each incarnation received (for children with Int input).
    var inputs: [IncarnationKey: Int] { state.withLock { $0.inputs } }

    /// A spec whose body follows this script.
    func spec(_ id: ChildID, restart: RestartType = .permanent, shutdown: ShutdownMode = .graceful(timeout: .seconds(1)),
              significant: Bool = false) -> AnyChildSpec {
        AnyChildSpec(ChildSpec(id: id, restart: restart, shutdown: shutdown, significant: significant) { incarnation in
            try await self.body(id: id, generation: incarnation.generation, shutdown: incarnation.shutdown)
        })
    }

    /// A spec with Int input and a decider.
    func spec(_ id: ChildID, input: Int, decider: @escaping RestartDecider<Int>) -> ChildSpec<Int> {
        ChildSpec(id: id, input: input, decider: decider) { incarnation in
            self.state.withLock { $0.inputs[IncarnationKey(id: id, generation: incarnation.generation)] = incarnation.input }
            try await self.body(id: id, generation: incarnation.generation, shutdown: incarnation.shutdown)
        }
    }

    func body(id: ChildID, generation: Int, shutdown: ShutdownSignal) async throws {
        let key = IncarnationKey(id: id, generation: generation)
        var command = await nextCommand(key, shutdown: shutdown, watchStop: true)
        if case .stopRequested = command, !honoursGracefulStop {
            command = await nextCommand(key, shutdown: shutdown, watchStop: false)
        }
        switch command {
        case .exit(.normal):
            record(key, .normal)
        case .exit(.thrown):
            record(key, .thrown)
            throw ScriptedError(id: id, generation: generation)
        case .exit(.cancelled):
            record(key, .cancelled)
            throw CancellationError()
        case .stopRequested:
            record(key, .graceful)
        case .cancelled:
            record(key, .killed)
            throw CancellationError()
        }
    }

    private func record(_ key: IncarnationKey, _ end: ObservedEnd) {
        state.withLock { $0.ends[key] = end }
    }

    private func nextCommand(_ key: IncarnationKey, shutdown: ShutdownSignal, watchStop: Bool) async -> Command {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Command, Never>) in
                let immediate = state.withLock { state -> Command? in
                    if let kind = state.pending.removeValue(forKey: key) { return .exit(kind) }
                    if Task.isCancelled { return .cancelled }
                    state.waiting[key] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
                if watchStop {
                    shutdown.onRequest { [self] in resume(key, with: .stopRequested) }
                }
            }
        } onCancel: {
            resume(key, with: .cancelled)
        }
    }

    private func resume(_ key: IncarnationKey, with command: Command) {
        let waiter = state.withLock { $0.waiting.removeValue(forKey: key) }
        waiter?.resume(returning: command)
    }
}

/// Collects a supervisor's events and lets a test wait for a condition on them.
final class EventRecorder: Sendable {
    private struct State {
        var events: [SupervisorEvent] = []
        var finished = false
        var watchers: [(predicate: @Sendable ([SupervisorEvent]) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private final class Storage: Sendable {
        let state = Mutex(State())
    }

    private let storage = Storage()
    private let task: Task<Void, Never>

    init(_ supervisor: Supervisor) {
        let stream = supervisor.events()
        let storage = self.storage
        task = Task {
            for await event in stream {
                let ready = storage.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    state.events.append(event)
                    return EventRecorder.takeReady(&state)
                }
                for watcher in ready { watcher.resume() }
            }
            let all = storage.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.finished = true
                defer { state.watchers.removeAll() }
                return state.watchers.map(\.continuation)
            }
            for watcher in all { watcher.resume() }
        }
    }

    var events: [SupervisorEvent] { storage.state.withLock { $0.events } }

    /// Events rendered as short strings (see `render`).
    var lines: [String] { events.map(render) }

    /// Waits until `predicate` holds for the events so far (or the stream ended).
    func wait(until predicate: @escaping @Sendable ([SupervisorEvent]) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = storage.state.withLock { state -> Bool in
                if state.finished || predicate(state.events) { return true }
                state.watchers.append((predicate, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits until the line `line` has been recorded `count` times.
    func wait(for line: String, count: Int = 1) async {
        await wait { events in events.map(render).filter { $0 == line }.count >= count }
    }

    /// Waits for the stream to end (the supervisor finished).
    func finished() async { await task.value }

    private static func takeReady(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        var ready: [CheckedContinuation<Void, Never>] = []
        let events = state.events
        state.watchers.removeAll { watcher in
            guard watcher.predicate(events) else { return false }
            ready.append(watcher.continuation)
            return true
        }
        return ready
    }
}

/// A compact rendering of an event: "start A#0", "restart A#1", "fail A#0", "stop A#0 shutdown",
/// "escalate A".
func render(_ event: SupervisorEvent) -> String {
    switch event {
    case .started(let id, let generation): return "start \(id)#\(generation)"
    case .restarted(let id, let generation, _): return "restart \(id)#\(generation)"
    case .failed(let failure): return "fail \(failure.childID)#\(failure.generation)"
    case .stopped(let id, let generation, let reason): return "stop \(id)#\(generation) \(reason)"
    case .escalated(let escalation): return "escalate \(escalation.childID)"
    }
}

/// Checks that every incarnation has exactly one start event and, once the supervisor has
/// finished, exactly one end event; and that no end comes without a start.
func checkExactlyOnce(_ events: [SupervisorEvent], finished: Bool = true,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    var starts: [IncarnationKey: Int] = [:]
    var ends: [IncarnationKey: Int] = [:]
    for event in events {
        switch event {
        case .started(let id, let generation), .restarted(let id, let generation, _):
            starts[IncarnationKey(id: id, generation: generation), default: 0] += 1
        case .failed(let failure):
            let key = IncarnationKey(id: failure.childID, generation: failure.generation)
            #expect(starts[key] != nil, "end of \(key) before its start", sourceLocation: sourceLocation)
            ends[key, default: 0] += 1
        case .stopped(let id, let generation, _):
            let key = IncarnationKey(id: id, generation: generation)
            #expect(starts[key] != nil, "end of \(key) before its start", sourceLocation: sourceLocation)
            ends[key, default: 0] += 1
        case .escalated:
            break
        }
    }
    for (key, count) in starts {
        #expect(count == 1, "\(key) started \(count) times", sourceLocation: sourceLocation)
        if finished {
            #expect(ends[key] == 1, "\(key) ended \(ends[key] ?? 0) times", sourceLocation: sourceLocation)
        }
    }
}

/// A thread-safe counter.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
