// swift-tools-version: 6.1
//
// SmartTuner: hyperparameter search and supervision for Tacotron-style TTS training.
// Module map and dependency direction: ../shared/DESIGN.md §1 and the layout table of README.md.
//
// Dependencies, and why each is here:
// - swift-log: the logging API every library module uses (library code never prints).
// - swift-service-lifecycle: the root supervisor is a `Service` (graceful SIGTERM/SIGINT).
//   It brings swift-async-algorithms and swift-collections; we use `DequeModule` from the
//   latter for mailbox ring buffers, and `AsyncChannel` from the former for a child process's
//   output with back-pressure (a hot-restart worker outlives the incarnation reading it), so
//   they add nothing to the build.
// - swift-argument-parser: the `smart-tuner` command line.
// - swift-crypto: SHA-256 of checkpoints (Foundation on Linux has no digest API).
// - swift-subprocess: child-process trainers — non-blocking streamed stdout/stderr, stdin
//   writes, signals and exit classification, and reaping (no zombies). A blocking read on
//   the cooperative pool would stall everything on a 2-core machine.
// - Yams: the study configuration is YAML (DESIGN §8); we read its node tree (with line and
//   column marks) so that every error names file:line:column and the key path.
// - postgres-nio: the PostgreSQL study store (many machines on one study, DESIGN §7): its
//   connection pool (PostgresClient, a Service), prepared statements and TLS. It brings
//   swift-nio and swift-nio-ssl (the latter named directly for its TLS types: sslmode as libpq
//   means it); only the PostgresStudyStore module links them.
// - hummingbird: the web dashboard's HTTP server (routing, streamed responses for its live
//   updates, its Content-Security-Policy middleware) and HummingbirdTesting for the HTTP tests of
//   every route. Its default traits are off (swift-configuration is not needed). It brings
//   swift-http-types, swift-nio-extras and swift-metrics.
// - swift-prometheus: `/metrics` of the dashboard in Prometheus's text format, from a registry
//   the dashboard fills from the study store on each scrape (and swift-metrics' HTTP figures).
import PackageDescription

let strictSwift6: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "SmartTuner",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SmartTuner", targets: ["SmartTuner"]),
        .library(name: "Supervision", targets: ["Supervision"]),
        // For the benchmarks package (TinyTacotron and SplitMix64 are imported by name, not
        // re-exported by SmartTuner).
        .library(name: "TinyTacotron", targets: ["TinyTacotron"]),
        .library(name: "Randomness", targets: ["Randomness"]),
        .executable(name: "smart-tuner", targets: ["smart-tuner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Randomness", swiftSettings: strictSwift6),
        .target(name: "Alignment", swiftSettings: strictSwift6),
        .target(name: "Optimization", dependencies: ["Randomness"], swiftSettings: strictSwift6),
        .target(name: "StudyStore", dependencies: ["Optimization", "Training", "CSQLite"], swiftSettings: strictSwift6),
        // The PostgreSQL implementation of the storage protocol (docs/distributed.md): Optuna's RDB
        // schema as SQLAlchemy makes it on PostgreSQL, SmartTuner's tables beside it.
        .target(
            name: "PostgresStudyStore",
            dependencies: ["StudyStore", "Optimization", "Training",
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift6),
        .target(
            name: "TinyTacotron",
            dependencies: [
                "COpenBLAS", "Randomness",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift6),
        // The trainer contract (DESIGN §3): what the Python client mirrors. No TinyTacotron in it.
        .target(
            name: "Training",
            dependencies: ["Randomness", .product(name: "Subprocess", package: "swift-subprocess"),
                           .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSwift6),
        // Unmodified training scripts behind the trainer contract: arguments from templates,
        // progress from output lines, checkpoints by file name (docs/adapters.md).
        // TensorBoard event files: TFRecord framing with masked CRC-32C and the few Event and
        // Summary fields SmartTuner reads and writes (a small wire-format reader and writer; no
        // swift-protobuf: a dozen fields of eight messages, and a shorter build on two cores).
        .target(name: "TensorBoardEvents", swiftSettings: strictSwift6),
        .target(
            name: "TrainerAdapters",
            dependencies: ["Training", "TensorBoardEvents", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: strictSwift6),
        // The built-in trainer: TinyTacotron behind the trainer contract.
        .target(
            name: "BuiltinTraining",
            dependencies: ["Training", "TinyTacotron", "Supervision"],
            swiftSettings: strictSwift6),
        // The tracking systems fed from the study file: TensorBoard's event files (and MLflow
        // over its REST API), written only where they do not hold a value yet.
        .target(
            name: "Tracking",
            dependencies: ["StudyStore", "Optimization", "Training", "TensorBoardEvents", "Integrations",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift6),
        .target(
            name: "Integrations",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift6),
        .target(
            name: "Supervision",
            dependencies: [
                "Randomness",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strictSwift6),
        .target(
            name: "SmartTuner",
            dependencies: [
                "Supervision", "Randomness", "Alignment", "Optimization", "StudyStore", "PostgresStudyStore", "TinyTacotron", "Training", "BuiltinTraining",
                "TrainerAdapters", "Integrations", "Tracking",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift6),
        // The live web dashboard (docs/dashboard.md): pages and SVG plots made by the server from
        // the study store, live updates by server-sent events, `/metrics` for Prometheus.
        .target(
            name: "Dashboard",
            dependencies: [
                "SmartTuner",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift6),
        // `smart-tuner selfcheck`: OpenBLAS, SQLite in WAL mode and a supervision drill on this machine.
        .target(
            name: "SelfCheck",
            dependencies: ["COpenBLAS", "CSQLite", "Supervision", "Randomness", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift6),
        // The embedding example of docs/embedding.md, compiled with the package so it stays true.
        .executableTarget(
            name: "embedded-study",
            dependencies: [
                "SmartTuner",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "examples/embedded-study",
            swiftSettings: strictSwift6),
        .executableTarget(
            name: "smart-tuner",
            dependencies: [
                "SmartTuner", "SelfCheck", "TinyTacotron", "TrainerAdapters", "Tracking", "Dashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6),
        .testTarget(
            name: "SupervisionTests", dependencies: ["Supervision", "Randomness"], swiftSettings: strictSwift6),
        // Scratch folders that tests remove when their suite ends (shared by the test targets).
        .target(name: "TestScratch", path: "Tests/TestScratch", swiftSettings: strictSwift6),
        // The PostgreSQL servers the tests use: the shared one scripts/test.sh starts (a database
        // per test) and private ones a test stops and starts.
        .target(name: "TestPostgres", dependencies: ["StudyStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                                                     .product(name: "Subprocess", package: "swift-subprocess"),
                                                     .product(name: "Logging", package: "swift-log")],
                path: "Tests/TestPostgres", swiftSettings: strictSwift6),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "BuiltinTraining", "TinyTacotron", "Randomness", "TestScratch"],
                    swiftSettings: strictSwift6),
        .testTarget(name: "TrainerAdaptersTests", dependencies: ["TrainerAdapters", "Training", "TestScratch"],
                    swiftSettings: strictSwift6),
        .testTarget(name: "TensorBoardEventsTests", dependencies: ["TensorBoardEvents", "TestScratch"],
                    exclude: ["Fixtures"], swiftSettings: strictSwift6),
        // The tracking systems fed from a real study, read back by their own readers (TensorBoard's
        // EventAccumulator and MLflow's client, from the environment scripts/tracking-env.sh makes).
        .testTarget(name: "TrackingTests", dependencies: ["SmartTuner", "Tracking", "TensorBoardEvents", "StudyStore", "TestScratch"],
                    exclude: ["read_tensorboard.py", "read_mlflow.py", "dashboard_browser.py"], swiftSettings: strictSwift6),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "SmartTuner", "TestScratch",
                                                           .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: strictSwift6),
        .testTarget(name: "OptimizationTests", dependencies: ["Optimization", "Randomness"], swiftSettings: strictSwift6),
        .testTarget(name: "StudyStoreTests", dependencies: ["StudyStore", "PostgresStudyStore", "Optimization", "Training", "TestScratch",
                                                     "TestPostgres"],
                    swiftSettings: strictSwift6),
        .testTarget(name: "AlignmentTests", dependencies: ["Alignment"], swiftSettings: strictSwift6),
        .testTarget(
            name: "TinyTacotronTests", dependencies: ["TinyTacotron", "Alignment", "Randomness", "TestScratch"],
            swiftSettings: strictSwift6),
        .testTarget(
            name: "TrainingFixtureTests", dependencies: ["TinyTacotron", "Alignment", "SmartTuner"],
            swiftSettings: strictSwift6),
        .testTarget(
            name: "SystemLibraryTests", dependencies: ["COpenBLAS", "CSQLite"],
            swiftSettings: strictSwift6),
        .testTarget(name: "SelfCheckTests", dependencies: ["SelfCheck"], swiftSettings: strictSwift6),
        .testTarget(
            name: "SmartTunerTests", dependencies: ["SmartTuner", "TinyTacotron", "Randomness", "TestScratch", "TestPostgres"],
            // Support scripts run from their source paths, not bundled.
            exclude: ["Support/bad_report_trainer.py", "Support/bad_file_trainer.py", "Support/optuna_postgres.py", "Support/hosts.sh"], swiftSettings: strictSwift6),
    ]
)
