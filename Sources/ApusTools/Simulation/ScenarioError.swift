// A scenario problem, located: printed as "FILE:LINE: what is wrong" (or
// "FILE: ..." when no line applies), one line, like the trace reader's errors.

public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line, or nil for problems with the file as a whole.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
