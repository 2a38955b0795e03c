// The hyperperiod and the check-point counts that bound one exact test.

enum Hyperperiod {
    @inline(__always)
    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// lcm(a, b) for a, b > 0, nil when it does not fit in 64 bits.
    @inline(__always)
    static func lcm(_ a: UInt64, _ b: UInt64) -> UInt64? {
        let (product, overflow) = (a / gcd(a, b)).multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    /// LCM of the (valid, non-empty) task periods. Also refuses an LCM so large
    /// that "next multiple of p_i after t" (at most LCM + p_i) could overflow.
    static func of(_ tasks: Span<AnalysisTask>) throws(AnalysisError) -> UInt64 {
        var result: UInt64 = 1
        var longest: UInt64 = 0
        for i in tasks.indices {
            let p = tasks[i].period
            guard let next = lcm(result, p) else { throw .hyperperiodOverflow }
            result = next
            longest = max(longest, p)
        }
        if result.addingReportingOverflow(longest).overflow { throw .hyperperiodOverflow }
        return result
    }

    /// Refuses EDF tests with more than `maxCheckPoints` points: sum(L / p_i).
    static func checkEDFPointCount(_ tasks: Span<AnalysisTask>, hyperperiod: UInt64) throws(AnalysisError) {
        var count: UInt64 = 0
        for i in tasks.indices {
            // Compare each term before adding it, so the sum cannot wrap.
            let term = hyperperiod / tasks[i].period
            if term > AnalysisLimits.maxCheckPoints - count { throw .tooManyCheckPoints }
            count += term
        }
    }

    /// Refuses RM tests with more than `maxCheckPoints` points:
    /// sum over i of (1 + sum over higher-priority k of ceil(p_i / p_k)).
    static func checkRMPointCount(_ tasks: Span<AnalysisTask>) throws(AnalysisError) {
        var count: UInt64 = 0
        for i in tasks.indices {
            count += 1
            if count > AnalysisLimits.maxCheckPoints { throw .tooManyCheckPoints }
            for k in tasks.indices where k != i && GuestPolicy.rmOutranks(k, i, in: tasks) {
                let pi = tasks[i].period
                let pk = tasks[k].period
                let term = pi / pk + (pi % pk == 0 ? 0 : 1)
                if term > AnalysisLimits.maxCheckPoints - count { throw .tooManyCheckPoints }
                count += term
            }
        }
    }
}
