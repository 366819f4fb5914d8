/// The tables of a study file and their migrations.
///
/// The trial tables are Optuna's RDB schema (schema v12, alembic revision `v3.2.0.a`, used by
/// Optuna 3.2 through 5.x) so that `optuna.load_study(storage="sqlite:///…")` and
/// optuna-dashboard open SmartTuner studies unchanged. SmartTuner's own data lives in tables
/// prefixed `smarttuner_`, versioned by `smarttuner_schema` and migrated forward in order.
enum StudySchema {
    static let optunaAlembicRevision = "v3.2.0.a"
    static let optunaSchemaVersion = 12
    static let optunaTables: Set<String> = [
        "studies", "version_info", "study_directions", "study_user_attributes", "study_system_attributes", "trials",
        "trial_user_attributes", "trial_system_attributes", "trial_params", "trial_values", "trial_intermediate_values",
        "trial_heartbeats", "alembic_version",
    ]

    static let optuna = """
        CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL, PRIMARY KEY (study_id));
        CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);
        CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER, library_version VARCHAR(256),
            PRIMARY KEY (version_info_id), CHECK (version_info_id=1));
        CREATE TABLE study_directions (study_direction_id INTEGER NOT NULL, direction VARCHAR(8) NOT NULL, study_id INTEGER NOT NULL,
            objective INTEGER NOT NULL, PRIMARY KEY (study_direction_id), UNIQUE (study_id, objective),
            FOREIGN KEY(study_id) REFERENCES studies (study_id));
        CREATE TABLE study_user_attributes (study_user_attribute_id INTEGER NOT NULL, study_id INTEGER, "key" VARCHAR(512), value_json TEXT,
            PRIMARY KEY (study_user_attribute_id), UNIQUE (study_id, "key"), FOREIGN KEY(study_id) REFERENCES studies (study_id));
        CREATE TABLE study_system_attributes (study_system_attribute_id INTEGER NOT NULL, study_id INTEGER, "key" VARCHAR(512), value_json TEXT,
            PRIMARY KEY (study_system_attribute_id), UNIQUE (study_id, "key"), FOREIGN KEY(study_id) REFERENCES studies (study_id));
        CREATE TABLE trials (trial_id INTEGER NOT NULL, number INTEGER, study_id INTEGER, state VARCHAR(8) NOT NULL,
            datetime_start DATETIME, datetime_complete DATETIME, PRIMARY KEY (trial_id), FOREIGN KEY(study_id) REFERENCES studies (study_id));
        CREATE INDEX ix_trials_study_id ON trials (study_id);
        CREATE TABLE trial_user_attributes (trial_user_attribute_id INTEGER NOT NULL, trial_id INTEGER, "key" VARCHAR(512), value_json TEXT,
            PRIMARY KEY (trial_user_attribute_id), UNIQUE (trial_id, "key"), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
        CREATE TABLE trial_system_attributes (trial_system_attribute_id INTEGER NOT NULL, trial_id INTEGER, "key" VARCHAR(512), value_json TEXT,
            PRIMARY KEY (trial_system_attribute_id), UNIQUE (trial_id, "key"), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
        CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, param_name VARCHAR(512), param_value FLOAT,
            distribution_json TEXT, PRIMARY KEY (param_id), UNIQUE (trial_id, param_name), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
        CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, objective INTEGER NOT NULL, value FLOAT,
            value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_value_id), UNIQUE (trial_id, objective),
            FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
        CREATE TABLE trial_intermediate_values (trial_intermediate_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, step INTEGER NOT NULL,
            intermediate_value FLOAT, intermediate_value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_intermediate_value_id),
            UNIQUE (trial_id, step), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
        CREATE TABLE trial_heartbeats (trial_heartbeat_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, heartbeat DATETIME NOT NULL,
            PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
        CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
        INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, 12, '5.0.0');
        INSERT INTO alembic_version (version_num) VALUES ('v3.2.0.a');
        """

    /// SmartTuner's migrations; migration i brings the store from version i to i + 1.
    static let migrations: [String] = [
        """
        CREATE TABLE smarttuner_schema (version INTEGER NOT NULL);
        INSERT INTO smarttuner_schema (version) VALUES (0);
        CREATE TABLE smarttuner_studies (study_id INTEGER PRIMARY KEY REFERENCES studies (study_id), space_json TEXT NOT NULL,
            seed INTEGER NOT NULL, target_trials INTEGER NOT NULL, configuration_json TEXT, revision INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE smarttuner_trials (trial_id INTEGER PRIMARY KEY REFERENCES trials (trial_id), study_id INTEGER NOT NULL,
            generation INTEGER NOT NULL DEFAULT 0, worker TEXT, host TEXT, pid INTEGER, pid_start TEXT, external INTEGER NOT NULL DEFAULT 0,
            interruptions INTEGER NOT NULL DEFAULT 0, last_step INTEGER NOT NULL DEFAULT 0, hyperparameters_json TEXT,
            outcome TEXT, summary_json TEXT, revision INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX smarttuner_trials_revision ON smarttuner_trials (study_id, revision);
        CREATE TABLE smarttuner_events (event_id INTEGER PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
            at DATETIME NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE INDEX smarttuner_events_trial ON smarttuner_events (trial_id);
        CREATE TABLE smarttuner_checkpoints (checkpoint_id INTEGER PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
            step INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL, loss FLOAT, aligned INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX smarttuner_checkpoints_trial ON smarttuner_checkpoints (trial_id);
        CREATE TABLE smarttuner_restarts (restart_id INTEGER PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
            cause TEXT NOT NULL, evidence TEXT NOT NULL, changes_json TEXT NOT NULL, checkpoint TEXT, backoff_seconds FLOAT NOT NULL);
        CREATE TABLE smarttuner_models (model_id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL,
            study_name TEXT NOT NULL, trial_number INTEGER NOT NULL, checkpoint TEXT NOT NULL, sha256 TEXT NOT NULL,
            metrics_json TEXT NOT NULL, parameters_json TEXT NOT NULL, stage TEXT NOT NULL, created_at DATETIME NOT NULL,
            UNIQUE (name, version));
        CREATE TABLE smarttuner_model_stages (id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL REFERENCES smarttuner_models (model_id),
            stage TEXT NOT NULL, at DATETIME NOT NULL, note TEXT NOT NULL DEFAULT '');
        """,
        // 1 → 2: the alignment metrics of a running trial's last validation, for `monitor`.
        """
        ALTER TABLE smarttuner_trials ADD COLUMN quality_json TEXT;
        """,
        // 2 → 3: whether the trainer found a checkpoint's weights finite (NULL: it did not say);
        // `loss` is now the checkpoint's own evaluation (before, the loss of the step before it).
        """
        ALTER TABLE smarttuner_checkpoints ADD COLUMN weights_finite INTEGER;
        """,
        // 3 → 4: whether a restart continued in the same worker process (protocol 2's hot
        // restart) or started a new one; every restart before was cold.
        """
        ALTER TABLE smarttuner_restarts ADD COLUMN kind TEXT NOT NULL DEFAULT 'cold';
        """,
        // 4 → 5: what tracking systems are fed from (docs/tracking.md): the figures of every
        // trial by step (training figures thinned), each checkpoint's attention heatmap, and
        // what each tracking system has been sent.
        """
        CREATE TABLE smarttuner_metrics (metric_id INTEGER PRIMARY KEY, trial_id INTEGER NOT NULL, generation INTEGER NOT NULL,
            step INTEGER NOT NULL, name TEXT NOT NULL, value FLOAT, value_type TEXT NOT NULL, at_ms INTEGER NOT NULL,
            UNIQUE (trial_id, generation, name, step));
        CREATE INDEX smarttuner_metrics_trial ON smarttuner_metrics (trial_id, metric_id);
        ALTER TABLE smarttuner_checkpoints ADD COLUMN heatmap TEXT;
        CREATE TABLE smarttuner_deliveries (study_id INTEGER NOT NULL, sink TEXT NOT NULL, trial_number INTEGER NOT NULL,
            delivery_json TEXT NOT NULL, PRIMARY KEY (study_id, sink, trial_number));
        """,
        // 5 → 6: the host whose worker recorded each checkpoint (a take-over on another host
        // says so when it cannot read the file).
        """
        ALTER TABLE smarttuner_checkpoints ADD COLUMN host TEXT;
        """,
    ]
}
