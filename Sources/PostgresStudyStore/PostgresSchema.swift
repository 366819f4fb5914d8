/// The tables of a PostgreSQL study database and their migrations.
///
/// Optuna's tables are made exactly as Optuna 5 (SQLAlchemy, RDB schema v12, alembic revision
/// `v3.2.0.a`) makes them on PostgreSQL: native enum types for states, directions and value
/// types, `SERIAL` keys, `timestamp without time zone` times. So `optuna.load_study` and
/// optuna-dashboard open SmartTuner studies, and SmartTuner opens a database Optuna created.
/// SmartTuner's own tables (`smarttuner_*`) sit beside them, versioned by `smarttuner_schema`
/// (this backend's own numbering) and migrated forward in order under an advisory lock, so
/// that many workers opening a new database at once make it once.
enum PostgresSchema {
    static let optunaAlembicRevision = "v3.2.0.a"
    static let optunaTables: Set<String> = [
        "studies", "version_info", "study_directions", "study_user_attributes", "study_system_attributes", "trials",
        "trial_user_attributes", "trial_system_attributes", "trial_params", "trial_values", "trial_intermediate_values",
        "trial_heartbeats", "alembic_version",
    ]
    /// The advisory lock key that serialises schema changes ("smarttun" in ASCII).
    static let migrationLock: Int64 = 0x736D_6172_7474_756E

    static let optuna: [String] = [
        "CREATE TYPE studydirection AS ENUM ('NOT_SET', 'MINIMIZE', 'MAXIMIZE')",
        "CREATE TYPE trialintermediatevaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG', 'NAN')",
        "CREATE TYPE trialstate AS ENUM ('RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING')",
        "CREATE TYPE trialvaluetype AS ENUM ('FINITE', 'INF_POS', 'INF_NEG')",
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
        "CREATE TABLE studies (study_id SERIAL PRIMARY KEY, study_name VARCHAR(512) NOT NULL)",
        "CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name)",
        """
        CREATE TABLE version_info (version_info_id INTEGER NOT NULL PRIMARY KEY, schema_version INTEGER, library_version VARCHAR(256),
            CONSTRAINT version_info_version_info_id_check CHECK (version_info_id = 1))
        """,
        """
        CREATE TABLE study_directions (study_direction_id SERIAL PRIMARY KEY, direction studydirection NOT NULL,
            study_id INTEGER NOT NULL REFERENCES studies (study_id), objective INTEGER NOT NULL, UNIQUE (study_id, objective))
        """,
        """
        CREATE TABLE study_user_attributes (study_user_attribute_id SERIAL PRIMARY KEY, study_id INTEGER REFERENCES studies (study_id),
            key VARCHAR(512), value_json TEXT, UNIQUE (study_id, key))
        """,
        """
        CREATE TABLE study_system_attributes (study_system_attribute_id SERIAL PRIMARY KEY, study_id INTEGER REFERENCES studies (study_id),
            key VARCHAR(512), value_json TEXT, UNIQUE (study_id, key))
        """,
        """
        CREATE TABLE trials (trial_id SERIAL PRIMARY KEY, number INTEGER, study_id INTEGER REFERENCES studies (study_id),
            state trialstate NOT NULL, datetime_start TIMESTAMP WITHOUT TIME ZONE, datetime_complete TIMESTAMP WITHOUT TIME ZONE)
        """,
        "CREATE INDEX ix_trials_study_id ON trials (study_id)",
        """
        CREATE TABLE trial_user_attributes (trial_user_attribute_id SERIAL PRIMARY KEY, trial_id INTEGER REFERENCES trials (trial_id),
            key VARCHAR(512), value_json TEXT, UNIQUE (trial_id, key))
        """,
        """
        CREATE TABLE trial_system_attributes (trial_system_attribute_id SERIAL PRIMARY KEY, trial_id INTEGER REFERENCES trials (trial_id),
            key VARCHAR(512), value_json TEXT, UNIQUE (trial_id, key))
        """,
        """
        CREATE TABLE trial_params (param_id SERIAL PRIMARY KEY, trial_id INTEGER REFERENCES trials (trial_id), param_name VARCHAR(512),
            param_value DOUBLE PRECISION, distribution_json TEXT, UNIQUE (trial_id, param_name))
        """,
        """
        CREATE TABLE trial_values (trial_value_id SERIAL PRIMARY KEY, trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            objective INTEGER NOT NULL, value DOUBLE PRECISION, value_type trialvaluetype NOT NULL, UNIQUE (trial_id, objective))
        """,
        """
        CREATE TABLE trial_intermediate_values (trial_intermediate_value_id SERIAL PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trials (trial_id), step INTEGER NOT NULL, intermediate_value DOUBLE PRECISION,
            intermediate_value_type trialintermediatevaluetype NOT NULL, UNIQUE (trial_id, step))
        """,
        """
        CREATE TABLE trial_heartbeats (trial_heartbeat_id SERIAL PRIMARY KEY, trial_id INTEGER NOT NULL REFERENCES trials (trial_id),
            heartbeat TIMESTAMP WITHOUT TIME ZONE NOT NULL, UNIQUE (trial_id))
        """,
        "INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, 12, '5.0.0')",
        "INSERT INTO alembic_version (version_num) VALUES ('v3.2.0.a')",
    ]

    /// SmartTuner's migrations; migration i brings the database from version i to i + 1.
    ///
    /// Beside the SQLite layout (docs/study.md): trial numbers are handed out through
    /// `smarttuner_slots` (one row per number up to the study's target, claimed with
    /// `FOR UPDATE SKIP LOCKED`, so that workers never wait for each other), and a trial's
    /// `revision` comes from a sequence (no row every writer must lock).
    static let migrations: [[String]] = [
        [
            "CREATE TABLE smarttuner_schema (version INTEGER NOT NULL)",
            "INSERT INTO smarttuner_schema (version) VALUES (0)",
            "CREATE SEQUENCE smarttuner_revision",
            """
            CREATE TABLE smarttuner_studies (study_id INTEGER PRIMARY KEY REFERENCES studies (study_id), space_json TEXT NOT NULL,
                seed BIGINT NOT NULL, target_trials INTEGER NOT NULL, configuration_json TEXT)
            """,
            """
            CREATE TABLE smarttuner_slots (study_id INTEGER NOT NULL REFERENCES studies (study_id), number INTEGER NOT NULL,
                trial_id INTEGER REFERENCES trials (trial_id), PRIMARY KEY (study_id, number))
            """,
            """
            CREATE TABLE smarttuner_trials (trial_id INTEGER PRIMARY KEY REFERENCES trials (trial_id), study_id INTEGER NOT NULL,
                generation INTEGER NOT NULL DEFAULT 0, worker TEXT, host TEXT, pid INTEGER NOT NULL DEFAULT 0, pid_start TEXT NOT NULL DEFAULT '',
                external BOOLEAN NOT NULL DEFAULT FALSE, interruptions INTEGER NOT NULL DEFAULT 0, last_step INTEGER NOT NULL DEFAULT 0,
                hyperparameters_json TEXT, outcome TEXT, summary_json TEXT, quality_json TEXT,
                revision BIGINT NOT NULL DEFAULT nextval('smarttuner_revision'))
            """,
            "CREATE INDEX smarttuner_trials_study ON smarttuner_trials (study_id, revision)",
            """
            CREATE TABLE smarttuner_events (event_id BIGSERIAL PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
                at TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL)
            """,
            "CREATE INDEX smarttuner_events_trial ON smarttuner_events (trial_id, event_id)",
            """
            CREATE TABLE smarttuner_checkpoints (checkpoint_id BIGSERIAL PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
                step INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, loss DOUBLE PRECISION, aligned BOOLEAN NOT NULL DEFAULT FALSE,
                weights_finite BOOLEAN, heatmap TEXT)
            """,
            "CREATE INDEX smarttuner_checkpoints_trial ON smarttuner_checkpoints (trial_id)",
            """
            CREATE TABLE smarttuner_restarts (restart_id BIGSERIAL PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
                cause TEXT NOT NULL, evidence TEXT NOT NULL, changes_json TEXT NOT NULL, checkpoint TEXT, backoff_seconds DOUBLE PRECISION NOT NULL,
                kind TEXT NOT NULL DEFAULT 'cold')
            """,
            "CREATE INDEX smarttuner_restarts_trial ON smarttuner_restarts (trial_id)",
            """
            CREATE TABLE smarttuner_models (model_id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL,
                study_name TEXT NOT NULL, trial_number INTEGER NOT NULL, checkpoint TEXT NOT NULL, sha256 TEXT NOT NULL,
                metrics_json TEXT NOT NULL, parameters_json TEXT NOT NULL, stage TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (name, version))
            """,
            """
            CREATE TABLE smarttuner_model_stages (id BIGSERIAL PRIMARY KEY, model_id BIGINT NOT NULL REFERENCES smarttuner_models (model_id),
                stage TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '')
            """,
            """
            CREATE TABLE smarttuner_metrics (metric_id BIGSERIAL PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
                step INTEGER NOT NULL, name TEXT NOT NULL, value DOUBLE PRECISION, value_type TEXT NOT NULL, at_ms BIGINT NOT NULL,
                UNIQUE (trial_id, generation, name, step))
            """,
            "CREATE INDEX smarttuner_metrics_trial ON smarttuner_metrics (trial_id, metric_id)",
            """
            CREATE TABLE smarttuner_deliveries (study_id INTEGER NOT NULL, sink TEXT NOT NULL, trial_number INTEGER NOT NULL,
                delivery_json TEXT NOT NULL, PRIMARY KEY (study_id, sink, trial_number))
            """,
        ],
        // 1 → 2: the host whose worker recorded each checkpoint.
        [
            "ALTER TABLE smarttuner_checkpoints ADD COLUMN host TEXT",
        ],
        // 2 → 3: the free trial numbers of a study, so that a claim finds the lowest at once
        // instead of stepping over every number already claimed.
        [
            "CREATE INDEX smarttuner_slots_free ON smarttuner_slots (study_id, number) WHERE trial_id IS NULL",
        ],
    ]
}
