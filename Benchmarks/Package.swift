// swift-tools-version: 6.1
//
// Benchmarks for SmartTuner, kept in their own package so that `swift build` and
// `swift test` of the main package never build package-benchmark (a release build of it
// takes minutes). Run: `swift package --package-path Benchmarks benchmark`.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which differs between clones.
let rootPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "SmartTunerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SupervisionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Supervision", package: rootPackage),
            ],
            path: "Benchmarks/SupervisionBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "AlignmentBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SmartTuner", package: rootPackage),
            ],
            path: "Benchmarks/AlignmentBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "TinyTacotronBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SmartTuner", package: rootPackage),
                .product(name: "TinyTacotron", package: rootPackage),
            ],
            path: "Benchmarks/TinyTacotronBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "StudyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SmartTuner", package: rootPackage),
            ],
            path: "Benchmarks/StudyBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        // Not a timing benchmark: median regret of TPE and random search on six problems
        // (`swift run --package-path Benchmarks -c release SamplerQuality`).
        // Not a timing benchmark of its own: one of the 64 worker processes that
        // Benchmarks/postgres_workers.py starts on one PostgreSQL study (issue 16).
        .executableTarget(
            name: "PostgresWorker",
            dependencies: [.product(name: "SmartTuner", package: rootPackage)],
            path: "Benchmarks/PostgresWorker",
            swiftSettings: [.swiftLanguageMode(.v6)]),
        .executableTarget(
            name: "SamplerQuality",
            dependencies: [.product(name: "SmartTuner", package: rootPackage)],
            path: "Benchmarks/SamplerQuality",
            swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
