import Foundation
import Optimization

extension SQLiteStudyStore {
    /// Creates a trial for an outside script (`smart-tuner ask`): RUNNING, never taken over by
    /// workers; the script reports its result with ``tell(_:number:state:value:now:)``.
    /// - Returns: `nil` when the sampler has nothing left to propose (an exhausted grid).
    public func ask(_ study: StoredStudy, now: Date,
                    propose: @Sendable ([TrialSnapshot], Int) -> [String: ParameterValue]?) throws -> StoredTrial? {
        try requireWritable()
        return try withConnection { state in
            let connection = state.connection
            return try connection.writeTransaction {
                let trials = try Self.refreshed(study, &state)
                let snapshots = trials.sorted { $0.number < $1.number }.map { $0.snapshot(direction: study.definition.direction) }
                guard let parameters = propose(snapshots, trials.count) else { return nil }
                let trial = try Self.insertTrial(study, number: trials.count, parameters: parameters, worker: nil, external: true,
                                                 now: now, connection)
                state.cache[study.id, default: [:]][trial.id] = trial
                return trial
            }
        }
    }

    /// Ends trial `number` with `state` and `value`, as reported by an outside script.
    /// - Throws: ``StudyStoreError`` if the trial does not exist or has already finished.
    public func tell(_ study: StoredStudy, number: Int, state: TrialState, value: Double?, now: Date) throws {
        guard let trial = try trials(of: study).first(where: { $0.number == number }) else {
            throw StudyStoreError.noSuchTrial(study: study.definition.name, number: number)
        }
        if state == .complete, value == nil {
            throw StudyStoreError.invalidState("a complete trial needs a value; give one, or tell it as failed or pruned")
        }
        let final = state == .pruned ? (value ?? trial.intermediate.max { $0.key < $1.key }?.value) : value
        try finish(trial, in: study, generation: trial.generation, state: state, value: final, outcome: .told(state),
                   summaryJSON: nil, events: [], now: now)
    }
}
