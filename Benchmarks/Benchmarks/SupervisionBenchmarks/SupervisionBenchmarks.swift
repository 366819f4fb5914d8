import Benchmark
import Logging
import Supervision
import Synchronization

// Figures for the supervision runtime (issue: foundation). Targets on a 2-core machine:
// restart p99 ≤ 50 µs; batched mailbox ≥ 5 M messages/s.

let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
let restartLatency = BenchmarkMetric.custom("restart latency (ns)", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), maxIterations: 1_000_000)

    // Failure → next incarnation running: a child that throws as soon as it starts, timed from
    // its throw to the start of its replacement, 20 000 restarts per run.
    Benchmark("Restart latency (throw → next incarnation running)",
              configuration: .init(metrics: [restartLatency], scalingFactor: .one, maxDuration: .seconds(10), maxIterations: 5)) { benchmark in
        let restarts = 20_000
        let marks = Mutex<(throws: [ContinuousClock.Instant], starts: [ContinuousClock.Instant])>(([], []))
        let clock = ContinuousClock()
        let child = ChildSpec<Void>(id: "bouncer", restart: .transient, significant: true) { incarnation in
            let started = clock.now
            guard incarnation.generation < restarts else {
                marks.withLock { $0.starts.append(started) }
                return
            }
            marks.withLock { $0.starts.append(started) }
            let thrown = clock.now
            marks.withLock { $0.throws.append(thrown) }
            throw CancellationError()
        }
        let supervisor = Supervisor(
            name: "bench",
            options: SupervisorOptions(intensity: RestartIntensity(maxRestarts: restarts + 1, within: .seconds(3_600)),
                                       autoShutdown: .anySignificant, logger: quiet),
            children: [AnyChildSpec(child)])
        benchmark.startMeasurement()
        try await supervisor.run()
        benchmark.stopMeasurement()
        let (thrownAt, startedAt) = marks.withLock { $0 }
        for (thrown, next) in zip(thrownAt, startedAt.dropFirst()) {
            let (seconds, attoseconds) = thrown.duration(to: next).components
            benchmark.measurement(restartLatency, Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        }
    }

    // One producer task, one consumer task, one message at a time through a capacity-1024 mailbox.
    Benchmark("Mailbox throughput, single sends",
              configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .mega)) { benchmark in
        let mailbox = Mailbox<Int>(capacity: 1_024)
        let count = benchmark.scaledIterations.count
        let producer = Task {
            let sender = mailbox.sender(generation: 0)
            for value in 0..<count { try await sender.send(value) }
        }
        var received = 0
        while received < count, try await mailbox.receive() != nil { received += 1 }
        try await producer.value
        blackHole(received)
    }

    // The same, in batches of 256 each way.
    Benchmark("Mailbox throughput, batches of 256",
              configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .mega)) { benchmark in
        let mailbox = Mailbox<Int>(capacity: 1_024)
        let count = benchmark.scaledIterations.count
        let producer = Task {
            let sender = mailbox.sender(generation: 0)
            var batch: [Int] = []
            batch.reserveCapacity(256)
            for value in 0..<count {
                batch.append(value)
                if batch.count == 256 {
                    try await sender.send(contentsOf: batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try await sender.send(contentsOf: batch) }
        }
        var received = 0
        while received < count {
            let batch = try await mailbox.receive(upTo: 256)
            if batch.isEmpty { break }
            received += batch.count
        }
        try await producer.value
        blackHole(received)
    }

    // Per-message cost between two actors: an awaited call, and a mailbox round trip.
    Benchmark("Actor → actor awaited call",
              configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { benchmark in
        let caller = Caller()
        let callee = Callee()
        await caller.call(callee, times: benchmark.scaledIterations.count)
        blackHole(await callee.total)
    }

    Benchmark("Mailbox ping-pong between two actors (round trip)",
              configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { benchmark in
        let ping = Mailbox<Int>(capacity: 16)
        let pong = Mailbox<Int>(capacity: 16)
        let count = benchmark.scaledIterations.count
        let echo = Task {
            let reply = pong.sender(generation: 0)
            while let envelope = try await ping.receive() { try await reply.send(envelope.message) }
        }
        let send = ping.sender(generation: 0)
        for value in 0..<count {
            try await send.send(value)
            blackHole(try await pong.receive())
        }
        ping.close()
        try await echo.value
    }
}

actor Callee {
    var total = 0
    func add(_ value: Int) { total &+= value }
}

actor Caller {
    func call(_ callee: Callee, times: Int) async {
        for value in 0..<times { await callee.add(value) }
    }
}
