// Running the analysis for one request and keeping everything a report shows.
import HypervisorCore
import InterfaceAnalysis

public struct InterfaceOutcome {
    public var request: InterfaceRequest
    /// sum(e_i / p_i), nil when the exact fraction does not fit in 64-bit terms.
    public var utilization: ExactFraction?
    /// The interface found, nil when none works.
    public var interface: ComponentInterface?
    /// Why there is no interface (nil when there is one).
    public var failure: String?

    /// The period reported: the chosen one, or the fixed one even without a budget.
    public var period: UInt64? {
        if let interface { return interface.period }
        if case .fixed(let period) = request.periods { return period }
        return nil
    }

    /// Analyses `request`; limits of the exact test (hyperperiod, check points) are InputErrors.
    public static func analyse(_ request: InterfaceRequest) throws(InputError) -> InterfaceOutcome {
        let utilization = ExactFraction.utilization(of: request.tasks.map { ($0.period, $0.execution) })
        var outcome = InterfaceOutcome(request: request, utilization: utilization, interface: nil, failure: nil)
        do {
            switch request.periods {
            case .fixed(let period):
                try outcome.analyseFixed(period)
            case .range(let range):
                outcome.interface = try InterfaceAnalysis.bestInterface(
                    for: request.tasks.span, periods: range, overhead: request.overhead, policy: request.policy)
                if outcome.interface == nil {
                    outcome.failure = try outcome.explainNoPeriod(range)
                }
            }
        } catch {
            throw InputError(describe(error, tasks: request.tasks))
        }
        return outcome
    }

    private mutating func analyseFixed(_ period: UInt64) throws(AnalysisError) {
        guard let budget = try InterfaceAnalysis.minimalBudget(for: request.tasks.span, period: period, policy: request.policy) else {
            failure = wholeCPUFailure()
            return
        }
        let resource = try PeriodicResource(period: period, budget: budget)
        do {
            interface = try ComponentInterface(resource: resource, overhead: request.overhead)
        } catch {
            failure = "the minimal budget \(budget) plus overhead \(request.overhead) exceeds the period \(period)"
        }
    }

    private func explainNoPeriod(_ range: ClosedRange<UInt64>) throws(AnalysisError) -> String {
        let wholeCPU = try PeriodicResource(period: 1, budget: 1)
        if !(try InterfaceAnalysis.isSchedulable(request.tasks.span, on: wholeCPU, policy: request.policy)) {
            return wholeCPUFailure()
        }
        return "no period in \(range.lowerBound)...\(range.upperBound) leaves room for budget plus overhead \(request.overhead)"
    }

    private func wholeCPUFailure() -> String {
        switch request.policy {
        case .edf:
            let shown = utilization.map { " (\($0.text))" } ?? ""
            return "no budget works, not even a whole CPU: the utilization\(shown) exceeds 1"
        case .rm:
            return "no budget works, not even a whole CPU: the tasks are not RM-schedulable"
        }
    }

    /// A one-line message for a refused analysis.
    static func describe(_ error: AnalysisError, tasks: [AnalysisTask]) -> String {
        switch error {
        case .zeroTaskPeriod(let i), .zeroExecution(let i), .executionExceedsPeriod(let i):
            return "--tasks: task \(i + 1) (\(tasks[i].period):\(tasks[i].execution)): \(error.reason)"
        case .tooManyCheckPoints:
            return "the exact test would need more than \(AnalysisLimits.maxCheckPoints) check points "
                + "(non-harmonic periods make the hyperperiod long); use coarser units or harmonic periods"
        default:
            return "\(error.reason)"
        }
    }
}
