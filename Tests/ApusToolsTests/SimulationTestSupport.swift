// Shared helpers for the simulator tests.
@testable import ApusTools
import Foundation
import HypervisorCore
import XCTest

enum ScenarioExamples {
    /// Examples/scenarios/, found from this file's path.
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/scenarios").appendingPathComponent(name).path
    }

    static func run(_ name: String, duration: TimeSpan? = nil, trace: Bool = false) throws -> SimulationOutcome {
        var scenario = try ScenarioParser.load(path: path(name))
        if let duration { scenario.duration = duration }
        return try Simulator.run(scenario, name: name, writeTrace: trace)
    }
}

/// Parses `text`, returning the error's description, or nil when it parsed.
func scenarioError(_ text: String) -> String? {
    do {
        _ = try ScenarioParser.parse(text, file: "t.scn")
        return nil
    } catch {
        return error.description
    }
}

func simulate(_ text: String, trace: Bool = false) throws -> SimulationOutcome {
    try Simulator.run(try ScenarioParser.parse(text, file: "t.scn"), name: "t.scn", writeTrace: trace)
}

extension SimulationResult {
    func task(_ vcpu: String, _ task: String) -> TaskResult? {
        tasks.first { $0.vcpu == vcpu && $0.task == task }
    }

    func vcpu(_ name: String) -> VCPUResult? { vcpus.first { $0.name == name } }
}

