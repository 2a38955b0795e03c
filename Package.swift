// swift-tools-version: 6.0
// Host build: the pure core, the ring protocol and the guest library (all three
// also compiled for armv7 by the Makefile), the host-only interface analysis
// and tools, and the XCTest suites. The bare-metal images are built by the Makefile.
import PackageDescription

let package = Package(
    name: "Apus",
    products: [
        .executable(name: "apus", targets: ["apus"]),
        .library(name: "HypervisorCore", targets: ["HypervisorCore"]),
        .library(name: "XenRings", targets: ["XenRings"]),
        .library(name: "Xenstore", targets: ["Xenstore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // What the hypervisor decides: pure, allocation-free, host-tested; linked
        // into the hypervisor and the guests.
        .target(name: "HypervisorCore"),
        // The Xen shared-ring protocol both sides of a split driver speak (front
        // and back rings, the console ring, blkif): no dependencies, so the
        // hypervisor, the guests and the host tests use it alike.
        .target(name: "XenRings"),
        // Xenstore for the driver domain: the tree, permissions, quotas,
        // watches, transactions and Xen's wire and ring protocol; pure and
        // allocation-free over a region the caller sizes from its configuration.
        .target(name: "Xenstore", dependencies: ["XenRings"]),
        // Guest-only logic, pure and host-tested: bootargs parsers, the RT
        // guest's task executive, virtqueue layout. The Makefile compiles it for
        // armv7 and links it into every guest; the hypervisor never imports it.
        .target(name: "GuestKit", dependencies: ["HypervisorCore"]),
        // Host-only compositional analysis: periodic-resource interfaces and
        // their SEDF parameters, behind `apus interface` (the hypervisor never links it).
        .target(name: "InterfaceAnalysis", dependencies: ["HypervisorCore"]),
        // Host-only logic behind the `apus` tool: simulator, scenario files, traces, SVG.
        .target(name: "ApusTools", dependencies: ["HypervisorCore", "InterfaceAnalysis"]),
        .executableTarget(
            name: "apus",
            dependencies: [
                "ApusTools", "HypervisorCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Helpers shared by the test targets: the one seeded generator, the FDT
        // builder, a text sink, and the QEMU boot-and-check helper.
        .target(name: "TestSupport", dependencies: ["HypervisorCore"], path: "Tests/TestSupport"),
        .testTarget(name: "HypervisorCoreTests", dependencies: ["HypervisorCore", "TestSupport"]),
        .testTarget(name: "XenRingsTests", dependencies: ["XenRings", "TestSupport"]),
        .testTarget(name: "XenstoreTests", dependencies: ["Xenstore", "XenRings", "TestSupport"]),
        .testTarget(name: "GuestKitTests", dependencies: ["GuestKit", "HypervisorCore", "TestSupport"]),
        .testTarget(name: "InterfaceAnalysisTests", dependencies: ["InterfaceAnalysis", "HypervisorCore", "TestSupport"]),
        .testTarget(name: "ApusToolsTests", dependencies: ["ApusTools", "HypervisorCore", "InterfaceAnalysis", "TestSupport"]),
        // Boots the images that `make` built under QEMU and asserts on the UART output.
        .testTarget(name: "IntegrationTests", dependencies: ["ApusTools", "HypervisorCore", "TestSupport"]),
    ]
)
