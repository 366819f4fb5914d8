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
}
