// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "HADeck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hadeck", targets: ["hadeck"]),
        .executable(name: "hadeck-node", targets: ["hadeck-node"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CNcurses",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(name: "CSocket"),
        .target(name: "CProcess"),
        // hadeck's alone: it sets the crash reporter's settings before the Swift runtime starts.
        .target(name: "CStart"),
        .target(name: "CHTTP"), // libcurl: loaded by the first request (http.c)
        .target(
            name: "HADeckCore",
            dependencies: ["CSocket", "CHTTP", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "HADeckLab",
            dependencies: ["HADeckCore"]
        ),
        .target(
            name: "HADeckTUI",
            dependencies: ["HADeckCore", "CNcurses", "CProcess", .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "hadeck",
            dependencies: [
                "CProcess",
                "CStart",
                "HADeckCore",
                "HADeckLab",
                "HADeckTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "hadeck-node",
            dependencies: [
                "HADeckCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // NIO's handler contexts predate strict concurrency checking.
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "hadeck-bench-ssh",
            dependencies: ["HADeckCore", "HADeckTestSupport"],
            path: "Benchmarks/SSHPoll"
        ),
        .executableTarget(
            name: "hadeck-bench-node-shells",
            dependencies: ["HADeckCore", "HADeckTestSupport"],
            path: "Benchmarks/NodeShells"
        ),
        .executableTarget(
            name: "hadeck-bench-console",
            dependencies: ["HADeckCore", "HADeckTUI"],
            path: "Benchmarks/Console"
        ),
        .executableTarget(
            name: "hadeck-fuzz",
            dependencies: ["HADeckTestSupport"],
            path: "Benchmarks/Fuzz"
        ),
        .target(
            name: "HADeckTestSupport",
            dependencies: ["HADeckCore", "HADeckLab", "HADeckTUI"],
            path: "Tests/HADeckTestSupport"
        ),
        .testTarget(
            name: "HADeckCoreTests",
            dependencies: ["HADeckCore", "HADeckTestSupport"]
        ),
        .testTarget(
            name: "HADeckTUITests",
            dependencies: ["HADeckCore", "HADeckTUI", "HADeckTestSupport"],
            exclude: ["Snapshots"] // read by path (SnapshotTests), reviewed in git
        ),
        .testTarget(
            name: "HADeckCLITests",
            dependencies: ["HADeckCore", "HADeckLab", "HADeckTestSupport", "hadeck", "hadeck-node"]
        ),
    ]
)
