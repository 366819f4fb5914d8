import Foundation
import PostgresNIO
import StudyStore
import Training

/// A batch of a running trial's progress as one prepared statement: the trial's row is locked
/// and checked (running, at this generation), and every write of the batch is made only if it
/// passed — intermediate values, checkpoints, events, figures, quality attributes, the trial's
/// furthest step and its heartbeat, each kind in one `unnest`. It answers the trial's state and
/// generation as found, so the caller can say why a refused write was refused.
///
/// Prepared once per connection: a statement of this size costs the server more to plan than
/// to run, and a worker sends one per validation. Absent values travel as NaN or '' (arrays
/// of optionals do not bind).
struct ProgressStatement: PostgresPreparedStatement {
    typealias Row = (String, Int)

    static let sql = """
        WITH owner AS (
            SELECT t.state::text AS state, s.generation FROM trials t JOIN smarttuner_trials s ON s.trial_id = t.trial_id
            WHERE t.trial_id = $1::int8 FOR UPDATE OF s
        ), allowed AS (
            SELECT 1 FROM owner WHERE state = 'RUNNING' AND generation = $2::int8
        ), intermediate AS (
            INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
            SELECT $1::int8, v.step, CASE WHEN v.kind = 'FINITE' THEN v.value END, v.kind::trialintermediatevaluetype
            FROM allowed, unnest($3::int8[], $4::float8[], $5::text[]) AS v (step, value, kind)
            ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value,
            intermediate_value_type = excluded.intermediate_value_type
        ), checkpoints AS (
            INSERT INTO smarttuner_checkpoints (trial_id, generation, step, path, sha256, loss, aligned, weights_finite, heatmap, host)
            SELECT $1::int8, c.generation, c.step, c.path, c.sha256, NULLIF(c.loss, 'NaN'), c.aligned, NULLIF(c.finite, '')::boolean,
                   NULLIF(c.heatmap, ''), NULLIF(c.host, '')
            FROM allowed, unnest($6::int8[], $7::int8[], $8::text[], $9::text[], $10::float8[], $11::bool[], $12::text[], $13::text[], $14::text[])
                 WITH ORDINALITY AS c (generation, step, path, sha256, loss, aligned, finite, heatmap, host, n) ORDER BY c.n
        ), events AS (
            INSERT INTO smarttuner_events (trial_id, generation, at, kind, detail)
            SELECT $1::int8, e.generation, e.at, e.kind, e.detail
            FROM allowed, unnest($15::int8[], $16::text[], $17::text[], $18::text[]) WITH ORDINALITY AS e (generation, at, kind, detail, n) ORDER BY e.n
        ), metrics AS (
            INSERT INTO smarttuner_metrics (trial_id, generation, step, name, value, value_type, at_ms)
            SELECT $1::int8, $2::int8, m.step, m.name, CASE WHEN m.kind = 'FINITE' THEN m.value END, m.kind, m.at
            FROM allowed, unnest($19::int8[], $20::text[], $21::float8[], $22::text[], $23::int8[]) WITH ORDINALITY AS m (step, name, value, kind, at, n)
            ORDER BY m.n
            ON CONFLICT (trial_id, generation, name, step) DO UPDATE SET value = excluded.value, value_type = excluded.value_type, at_ms = excluded.at_ms
        ), attributes AS (
            INSERT INTO trial_user_attributes (trial_id, key, value_json)
            SELECT $1::int8, a.key, a.json FROM allowed, unnest($24::text[], $25::text[]) AS a (key, json)
            ON CONFLICT (trial_id, key) DO UPDATE SET value_json = excluded.value_json
        ), progress AS (
            UPDATE smarttuner_trials SET last_step = GREATEST(last_step, $26::int8), revision = nextval('smarttuner_revision'),
            quality_json = COALESCE(NULLIF($27::text, ''), quality_json) WHERE trial_id = $1::int8 AND EXISTS (SELECT 1 FROM allowed)
        ), heartbeat AS (
            INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT $1::int8, $28::text::timestamp FROM allowed
            ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat
        )
        SELECT state, generation FROM owner
        """

    let trialID: Int64
    let generation: Int
    let progress: TrialProgress
    let qualityAttributes: [(String, String)]
    let qualityJSON: String
    let now: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 28)
        let values = progress.values.sorted { $0.key < $1.key }
        bindings.append(trialID)
        bindings.append(Int64(generation))
        bindings.append(values.map { Int64($0.key) })
        bindings.append(values.map(\.value))
        bindings.append(values.map { StoredRows.valueType($0.value, intermediate: true) })
        let checkpoints = progress.checkpoints
        bindings.append(checkpoints.map { Int64($0.generation) })
        bindings.append(checkpoints.map { Int64($0.step) })
        bindings.append(checkpoints.map(\.path))
        bindings.append(checkpoints.map(\.sha256))
        bindings.append(checkpoints.map { $0.evaluation.flatMap { $0.isFinite ? $0 : nil } ?? .nan })
        bindings.append(checkpoints.map { $0.aligned == true })
        // A checkpoint that is not good is kept as known-bad weights (false), so that it reads back not good whatever made it so.
        bindings.append(checkpoints.map { checkpoint -> String in
            let finite: Bool? = checkpoint.good ? checkpoint.weightsFinite : false
            return finite.map { $0 ? "true" : "false" } ?? ""
        })
        bindings.append(checkpoints.map { $0.heatmap ?? "" })
        bindings.append(checkpoints.map { $0.host ?? "" })
        let events = progress.events
        bindings.append(events.map { Int64($0.generation) })
        bindings.append(events.map(\.at))
        bindings.append(events.map(\.kind))
        bindings.append(events.map(\.detail))
        let metrics = PostgresStudyStore.lastOfEach(progress.metrics)
        bindings.append(metrics.map { Int64($0.step) })
        bindings.append(metrics.map(\.name))
        bindings.append(metrics.map(\.value))
        bindings.append(metrics.map { StoredRows.valueType($0.value, intermediate: true) })
        bindings.append(metrics.map(\.timestampMilliseconds))
        bindings.append(qualityAttributes.map(\.0))
        bindings.append(qualityAttributes.map(\.1))
        bindings.append(Int64(progress.lastStep ?? values.last?.key ?? 0))
        bindings.append(qualityJSON)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
