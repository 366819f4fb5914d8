import ArgumentParser
import Foundation
import SmartTuner

struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask", abstract: "Creates a trial with sampled parameters for a script to run; prints {\"number\", \"params\"} as JSON.",
        discussion: "The study must exist (create it with --config). Report the result with `smart-tuner tell`.")

    @OptionGroup var location: StudyLocation

    func run() async throws {
        let (store, study) = try await location.open(readOnly: false)
        let sampler = try samplerSettings(study).make(seed: study.definition.seed)
        guard let trial = try await store.ask(study, now: Date(), propose: { history, number in
            sampler.suggest(space: study.definition.space, number: number, history: history)
        }) else { throw CommandFailure("the sampler has nothing left to propose (the grid is exhausted)") }
        struct Asked: Encodable { let number: Int; let params: [String: Double] }
        try JSONOutput.print(Asked(number: trial.number, params: trial.parameters.compactMapValues(\.number)))
    }

    /// The configuration's sampler, else the one stored with the study, else TPE.
    private func samplerSettings(_ study: StoredStudy) throws -> SamplerSettings {
        guard let config = location.config else { return StudyPlan(of: study)?.sampler ?? .tpe() }
        return try StudyConfigurationFile.load(path: config).sampler
    }
}

struct TellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tell", abstract: "Reports the result of a trial created by `ask`.")

    @OptionGroup var location: StudyLocation

    @Option(help: "The trial's number.")
    var trial: Int

    @Option(help: "Its objective value (needed for complete).")
    var value: Double?

    @Option(help: "complete, pruned or failed.")
    var state = "complete"

    func run() async throws {
        let states: [String: TrialState] = ["complete": .complete, "pruned": .pruned, "failed": .failed, "fail": .failed]
        guard let final = states[state] else { throw ValidationError("--state must be complete, pruned or failed, got '\(state)'") }
        let (store, study) = try await location.open(readOnly: false)
        try await store.tell(study, number: trial, state: final, value: value, now: Date())
    }
}
