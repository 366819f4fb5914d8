import Foundation
import Supervision
import TinyTacotron
import Training

/// The built-in workload (TinyTacotron on its synthetic corpus) behind the trainer contract,
/// in this process. `smart-tuner worker` runs the same code in a child process.
public struct BuiltinTrainer: Trainer {
    /// What the `trap` fault does: abort the process (a child worker), or `nil` where a trap
    /// would take the whole tuner down (in-process), in which case the request is refused.
    public let trap: (@Sendable () -> Void)?
    /// Whether an `oom` fault holds its allocation for up to 10 s (a child, for the memory
    /// watchdog to catch) before failing with ``TrainerFailure/outOfMemory(detail:)``.
    public let oomHoldsAllocation: Bool
    /// The corpus shape (its seed comes from each request).
    public let corpus: CorpusConfiguration

    /// Creates the built-in trainer.
    public init(corpus: CorpusConfiguration = CorpusConfiguration(), trap: (@Sendable () -> Void)? = nil,
                oomHoldsAllocation: Bool = false) {
        self.corpus = corpus
        self.trap = trap
        self.oomHoldsAllocation = oomHoldsAllocation
    }

    public func train(_ request: TrainRequest, control: TrainerControl,
                      emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
        // One thread per trial, as one BLAS thread per trial: the steps keep their core and cache.
        let executor = DedicatedThreadExecutor(name: "trainer-\(request.trialID)-g\(request.generation)")
        defer { executor.stop() }
        try await withTaskExecutorPreference(executor) {
            try await trainHere(request, control: control, emit: emit)
        }
    }

    private func trainHere(_ request: TrainRequest, control: TrainerControl,
                           emit: @escaping @Sendable (TrainingEvent) async throws -> Void) async throws {
        let generation = request.generation
        let faults = request.faults
        if trap == nil, faults.faults.contains(where: { $0.kind == .trap && $0.applies(to: generation) }) {
            throw TrainerFailure.invalidRequest("a trap fault aborts the process; run the built-in trainer in a child process")
        }
        let hyperparameters: TacotronHyperparameters
        do {
            hyperparameters = try TacotronHyperparameters(request.hyperparameters)
        } catch {
            throw TrainerFailure.invalidRequest(String(describing: error))
        }
        let options = request.builtin
        let trainer: TacotronTrainer
        if let resume = request.resumeCheckpoint {
            trainer = try TacotronTrainer(checkpoint: resume, hyperparameters: hyperparameters, blasThreads: options.blasThreads)
        } else {
            var corpus = options.corpus?.configuration ?? self.corpus
            corpus.seed = options.corpusSeed
            trainer = try TacotronTrainer(corpus: corpus, hyperparameters: hyperparameters, blasThreads: options.blasThreads)
        }
        try await emit(.hello(WorkerHello(protocolVersion: WorkerProtocol.version, trainer: "tiny-tacotron")))
        let clock = ContinuousClock()
        var lastHeartbeat = clock.now
        var explodingSince: Int?
        var lastCheckpointStep = -1
        let slowdown = faults.slowdown(generation: generation)

        while trainer.step < request.steps, !control.stopRequested {
            try Task.checkCancellation()
            let next = trainer.step + 1
            if faults.firing(.crash, at: next, generation: generation) { throw TrainerFailure.injectedCrash(step: next) }
            if faults.firing(.trap, at: next, generation: generation) { trap?() }
            if faults.firing(.hang, at: next, generation: generation) {
                while true { try await Task.sleep(for: .seconds(3_600)) }
            }
            if faults.firing(.oom, at: next, generation: generation) {
                let megabytes = max(256, request.memoryBudgetMiB + 256)
                let heldMemory = [UInt8](repeating: 1, count: megabytes << 20)
                defer { withExtendedLifetime(heldMemory) {} }
                let detail = "step \(next) allocated \(megabytes) MiB, past the \(request.memoryBudgetMiB) MiB budget"
                if oomHoldsAllocation {
                    // Like a process stuck swapping: alive (heartbeats) but going nowhere, so the
                    // memory watchdog sees it; without one, it gives up by itself.
                    for _ in 0..<100 {
                        try await Task.sleep(for: .milliseconds(100))
                        try await emit(.heartbeat(step: trainer.step))
                    }
                }
                throw TrainerFailure.outOfMemory(detail: detail)
            }
            if slowdown > 0 { try await Task.sleep(for: .milliseconds(slowdown)) }
            if faults.firing(.nan, at: next, generation: generation) { trainer.poisonWeights() }
            let report = trainer.trainStep()
            var losses = ["mel": report.losses.mel, "stop": report.losses.stop, "guided": report.losses.guided,
                          "total": report.losses.total]
            if faults.firing(.spike, at: next, generation: generation) {
                losses = losses.mapValues { $0 * 100 }
            }
            if faults.firing(.gradexplode, at: next, generation: generation) { explodingSince = next }
            let gradNorm = explodingSince == nil ? report.gradientNorm : report.gradientNorm * 1e4 + 1e3
            try await emit(.step(StepMetrics(step: trainer.step, losses: losses, gradNorm: gradNorm,
                                             learningRate: report.learningRate, throughput: report.framesPerSecond)))
            let last = trainer.step == request.steps
            if trainer.step % max(1, request.validationInterval) == 0 || last {
                try await emit(.validation(Self.validation(trainer, samples: request.attentionSamples)))
            }
            let checkpointDue = request.checkpointInterval > 0 && trainer.step % request.checkpointInterval == 0
            if checkpointDue || last || control.takeCheckpointRequest() {
                try await emit(.checkpoint(try Self.checkpoint(trainer, in: request.checkpointDirectory, generation: generation)))
                lastCheckpointStep = trainer.step
            }
            if clock.now - lastHeartbeat >= .milliseconds(Int(request.heartbeatInterval * 1_000)) {
                try await emit(.heartbeat(step: trainer.step))
                lastHeartbeat = clock.now
            }
            await Task.yield()
        }
        if lastCheckpointStep != trainer.step {
            try await emit(.checkpoint(try Self.checkpoint(trainer, in: request.checkpointDirectory, generation: generation)))
        }
        try await emit(.finished(step: trainer.step))
    }

    static func validation(_ trainer: TacotronTrainer, samples: Int) -> ValidationMetrics {
        let report = trainer.validate(count: max(1, samples))
        let losses = ["mel": report.losses.mel, "stop": report.losses.stop, "guided": report.losses.guided,
                      "total": report.losses.total]
        return ValidationMetrics(step: report.step, losses: losses, samples: report.utterances.map {
            AttentionSample(frames: $0.frames, tokens: $0.tokens, attention: $0.attention, gateLogits: $0.gateLogits,
                            trueAlignment: $0.trueAlignment)
        })
    }

    static func checkpoint(_ trainer: TacotronTrainer, in directory: String, generation: Int) throws -> Checkpoint {
        let heatmap = trainer.validate(count: 1).utterances.first
        let report = try trainer.saveCheckpoint(in: directory, heatmap: heatmap)
        return Checkpoint(generation: generation, step: report.step, path: report.path, sha256: report.sha256,
                          heatmap: report.heatmapPath, weightsFinite: report.weightsFinite)
    }
}
