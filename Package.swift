// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "HADeck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hadeck", targets: ["hadeck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CNcurses",
            providers: [.apt(["libncurses-dev"])]
        ),
        .target(name: "CSocket"),
        .target(
            name: "HADeckCore",
            dependencies: ["CSocket", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "HADeckTUI",
            dependencies: ["HADeckCore", "CNcurses"]
        ),
        .executableTarget(
            name: "hadeck",
            dependencies: [
                "HADeckCore",
                "HADeckTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "hadeck-bench-ssh",
            dependencies: ["HADeckCore", "HADeckTestSupport"],
            path: "Benchmarks/SSHPoll"
        ),
        .target(
            name: "HADeckTestSupport",
            dependencies: ["HADeckCore"],
            path: "Tests/HADeckTestSupport"
        ),
        .testTarget(
            name: "HADeckCoreTests",
            dependencies: ["HADeckCore", "HADeckTestSupport"]
        ),
        .testTarget(
            name: "HADeckCLITests",
            dependencies: ["HADeckCore", "HADeckTestSupport", "hadeck"]
        ),
    ]
)
