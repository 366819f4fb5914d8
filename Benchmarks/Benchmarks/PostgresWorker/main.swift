import Foundation
import SmartTuner

// One worker process of the 64-worker PostgreSQL benchmark (issue 16; driven by
// Benchmarks/postgres_workers.py, which starts 64 of these and 64 Optuna workers on the same
// server). It opens the study, says it is ready, waits for the start signal, then claims and
// finishes trivial trials (no training: a claim, a finish) until the study has its trials.
//
// Usage: PostgresWorker URL STUDY TRIALS READY_FOLDER GO_FILE   (or PostgresWorker durable URL TRIALS, below)
// Prints one JSON line: {"finished": n, "failures": n, "taken_over": n, "start": s, "end": s}.

let space: SearchSpace
do {
    space = try SearchSpace([
        .init("learning_rate", .float(low: 1e-5, high: 1e-1, log: true)),
        .init("batch_size", .int(low: 4, high: 64)),
    ])
} catch {
    fatalError("the benchmark's literal search space is invalid: \(error)")
}

let arguments = CommandLine.arguments

// `PostgresWorker durable URL TRIALS`: the durable cost of a trial (claim, 10 intermediate
// reports, finish — each its own transaction, as a worker writes them), one after another in
// this process; prints the median and p90 per trial in milliseconds (Benchmarks/postgres_durable.py
// runs it beside Optuna's RDBStorage).
if arguments.count == 4, arguments[1] == "durable", let trials = Int(arguments[3]), trials > 0 {
    do {
        let store = try await StoreLocation(arguments[2]).open(readOnly: false)
        let study = try await store.createOrOpen(StudyDefinition(name: "durable-\(UUID().uuidString.prefix(8))", space: space, targetTrials: trials))
        let worker = WorkerIdentity.current
        var times: [Double] = []
        for _ in 0..<trials {
            let start = ContinuousClock.now
            guard case .new(let trial) = try await store.claim(study, worker: worker, staleAfter: 3_600, propose: { history, number in
                RandomSampler(seed: UInt64(number)).suggest(space: space, number: number, history: history)
            }) else { break }
            for report in 1...10 {
                try await store.report(trial, in: study, generation: 0, values: [(report * 100, 1 / Double(report))], lastStep: report * 100)
            }
            try await store.finish(trial, in: study, generation: 0, state: .complete, value: 0.1, outcome: .supervised(.completed(.budget)), summaryJSON: nil)
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        }
        times.sort()
        // The floor under each of those transactions: one small read, a round trip to the server.
        var reads: [Double] = []
        for _ in 0..<300 {
            let start = ContinuousClock.now
            _ = try await store.studyNames()
            let elapsed = ContinuousClock.now - start
            reads.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        }
        reads.sort()
        print("{\"median_ms\": \(times[times.count / 2]), \"p90_ms\": \(times[times.count * 9 / 10]), \"trials\": \(times.count), "
              + "\"read_median_ms\": \(reads[reads.count / 2])}")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("the durable benchmark failed: \(error)\n".utf8))
        exit(1)
    }
}

guard arguments.count == 6, let target = Int(arguments[3]), target > 0 else {
    FileHandle.standardError.write(Data("usage: PostgresWorker URL STUDY TRIALS READY_FOLDER GO_FILE, or PostgresWorker durable URL TRIALS\n".utf8))
    exit(2)
}
let (url, name, ready, go) = (arguments[1], arguments[2], arguments[4], arguments[5])

do {
    let store = try await StoreLocation(url).open(readOnly: false)
    let study = try await store.createOrOpen(StudyDefinition(name: name, space: space, targetTrials: target))
    let worker = WorkerIdentity.current
    FileManager.default.createFile(atPath: "\(ready)/\(worker.pid)", contents: nil)
    while !FileManager.default.fileExists(atPath: go) { try await Task.sleep(for: .milliseconds(2)) }

    let start = Date().timeIntervalSince1970
    var finished = 0, failures = 0, takenOver = 0
    work: while failures < 1_000 {
        do {
            switch try await store.claim(study, worker: worker, staleAfter: 3_600, propose: { history, number in
                RandomSampler(seed: UInt64(number)).suggest(space: space, number: number, history: history)
            }) {
            case .new(let trial):
                try await store.finish(trial, in: study, generation: 0, state: .complete, value: Double(trial.number),
                                       outcome: .supervised(.completed(.budget)), summaryJSON: nil)
                finished += 1
            case .resumed:
                // No worker dies here: a take-over would mean a live worker looked dead.
                takenOver += 1
            case .wait:
                try await Task.sleep(for: .milliseconds(5))
            case .done:
                break work
            }
        } catch {
            failures += 1
            FileHandle.standardError.write(Data("claim or finish failed: \(error)\n".utf8))
        }
    }
    let end = Date().timeIntervalSince1970
    print("{\"finished\": \(finished), \"failures\": \(failures), \"taken_over\": \(takenOver), \"start\": \(start), \"end\": \(end)}")
} catch {
    FileHandle.standardError.write(Data("the worker could not start: \(error)\n".utf8))
    exit(1)
}
