import Foundation
import TinyTacotron
import TrainerAdapters
import Training

extension TrainerSettings {
    /// Makes each incarnation's trainer: the built-in one in this process or in a child
    /// process (`smart-tuner worker`), or the configured command.
    public func makeTrainer(heartbeatTimeout seconds: Double) -> @Sendable (TrainRequest) -> any Trainer {
        let timeout = Duration.milliseconds(Int(seconds * 1_000))
        switch kind {
        case .builtin(childProcess: false):
            return { _ in BuiltinTrainer(trap: nil) }
        case .builtin(childProcess: true):
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
            return { _ in
                var worker = ProcessTrainer(executable: executable, arguments: ["worker"], heartbeatTimeout: timeout)
                // An injected trap aborts the worker; Swift's backtrace would only bury the evidence.
                worker.environment = ["SWIFT_BACKTRACE": "enable=no"]
                return worker
            }
        case .command(let command):
            return { _ in ProcessTrainer(executable: command[0], arguments: Array(command.dropFirst()), heartbeatTimeout: timeout) }
        case .adapted(let settings):
            // Under `smart-tuner adapter-guard`, so that the script ends with the tuner.
            let guardCommand = Self.tunerExecutable.map { [$0, "adapter-guard", "--"] }
            return { _ in
                var trainer = AdaptedTrainer(settings: settings, heartbeatTimeout: timeout)
                trainer.guardCommand = guardCommand
                return trainer
            }
        }
    }

    /// This process's executable when it is `smart-tuner` (tests run the library from a test
    /// runner, which has no `adapter-guard`).
    static var tunerExecutable: String? {
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return URL(fileURLWithPath: path).lastPathComponent == "smart-tuner" ? path : nil
    }

    /// The request of a trial's incarnation: fixed values, then the trial's hyperparameters;
    /// for the built-in model every default is filled in so that every restart rule can adjust it.
    func request(trialID: String, study: String, number: Int, generation: Int, hyperparameters: [String: Double],
                 resume: Checkpoint?) -> TrainRequest {
        var values = fixed.merging(hyperparameters) { $1 }
        if case .builtin = kind, let complete = try? TacotronHyperparameters(values).values { values = complete }
        let base = ((directory as NSString).appendingPathComponent(study) as NSString).appendingPathComponent("trial-\(number)")
        var request = TrainRequest(trialID: trialID, generation: generation, hyperparameters: values, steps: steps,
                                   validationInterval: validationInterval, checkpointInterval: checkpointInterval,
                                   checkpointDirectory: base, resumeCheckpoint: resume?.path)
        request.resumeStep = resume?.step
        if case .builtin = kind {
            request.builtin = BuiltinOptions(corpus: corpus == .standard ? nil : corpus, corpusSeed: corpusSeed)
        }
        if let faults, let plan = try? FaultPlan(parsing: faults) { request.faults = plan }
        return request
    }
}
