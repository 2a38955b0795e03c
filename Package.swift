// swift-tools-version: 6.0
// Host build: the pure core (also compiled for armv7 by the Makefile), the host
// tools, and the XCTest suites. The bare-metal images are built by the Makefile.
import PackageDescription

let package = Package(
    name: "Apus",
    products: [
        .executable(name: "apus", targets: ["apus"]),
        .library(name: "HypervisorCore", targets: ["HypervisorCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Pure, allocation-free logic shared by the hypervisor and the host.
        .target(name: "HypervisorCore"),
        // Host-only logic behind the `apus` tool: simulator, scenario files, traces, SVG.
        .target(name: "ApusTools", dependencies: ["HypervisorCore"]),
        .executableTarget(
            name: "apus",
            dependencies: [
                "ApusTools", "HypervisorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "HypervisorCoreTests", dependencies: ["HypervisorCore"]),
        .testTarget(name: "ApusToolsTests", dependencies: ["ApusTools", "HypervisorCore"]),
        // Boots the images that `make` built under QEMU and asserts on the UART output.
        .testTarget(name: "IntegrationTests", dependencies: ["ApusTools", "HypervisorCore"]),
    ]
)
