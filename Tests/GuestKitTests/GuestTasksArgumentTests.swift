import XCTest
@testable import GuestKit
import HypervisorCore
import TestSupport

/// Bootargs of the RT, load and hostile guests, and the counter conversions.
final class GuestTasksArgumentTests: XCTestCase {
    private func rtError(_ text: String) -> GuestArgumentError? {
        bootArguments(text) { arguments in
            do throws(GuestArgumentError) { _ = try RTGuestArguments(arguments); return nil } catch { return error }
        }
    }

    func testRTArgumentsParse() throws {
        let parsed = try bootArguments("policy=rm tasks=10000:3000,20000:5000 duration=250") { try RTGuestArguments($0) }
        XCTAssertEqual(parsed.policy, .rateMonotonic)
        XCTAssertEqual(parsed.lateJobs, .keepRunning)
        XCTAssertEqual(parsed.taskCount, 2)
        XCTAssertEqual(parsed.tasks[0], PeriodicTask(period: .microseconds(10_000), cost: .microseconds(3_000)))
        XCTAssertEqual(parsed.tasks[1], PeriodicTask(period: .microseconds(20_000), cost: .microseconds(5_000)))
        XCTAssertEqual(parsed.duration, .milliseconds(250))
        let executive = parsed.makeExecutive()
        XCTAssertEqual(executive.count, 2)
        XCTAssertEqual(executive.policy, .rateMonotonic)
        XCTAssertEqual(executive.task(1).period, .microseconds(20_000))
    }

    func testRTArgumentsLatePolicy() throws {
        let parsed = try bootArguments("tasks=5:2 late=drop duration=1 policy=edf") { try RTGuestArguments($0) }
        XCTAssertEqual(parsed.policy, .earliestDeadlineFirst)
        XCTAssertEqual(parsed.lateJobs, .drop)
        XCTAssertEqual(rtError("policy=edf tasks=5:2 duration=1 late=later")?.problem, .unknownValue)
    }

    func testRTArgumentsIdleMode() throws {
        XCTAssertFalse(try bootArguments("policy=edf tasks=5:2 duration=1") { try RTGuestArguments($0) }.backgroundWork)
        XCTAssertFalse(try bootArguments("policy=edf tasks=5:2 duration=1 idle=sleep") { try RTGuestArguments($0) }.backgroundWork)
        XCTAssertTrue(try bootArguments("policy=edf tasks=5:2 duration=1 idle=work") { try RTGuestArguments($0) }.backgroundWork)
        XCTAssertEqual(rtError("policy=edf tasks=5:2 duration=1 idle=spin").map { "\($0.key)" }, "idle")
        XCTAssertFalse(try bootArguments("policy=edf tasks=5:2 duration=1") { try RTGuestArguments($0) }.reportJobs)
        XCTAssertTrue(try bootArguments("policy=edf tasks=5:2 duration=1 jobs=report") { try RTGuestArguments($0) }.reportJobs)
        XCTAssertEqual(rtError("policy=edf tasks=5:2 duration=1 jobs=all").map { "\($0.key)" }, "jobs")
    }

    func testRTArgumentsStartDelay() throws {
        XCTAssertEqual(try bootArguments("policy=edf tasks=5:2 duration=1") { try RTGuestArguments($0) }.startDelay, .zero)
        XCTAssertEqual(try bootArguments("policy=edf tasks=5:2 duration=1 start=40") { try RTGuestArguments($0) }.startDelay,
                       .milliseconds(40))
        XCTAssertEqual(rtError("policy=edf tasks=5:2 duration=1 start=soon")?.problem, .malformed)
        XCTAssertEqual(rtError("policy=edf tasks=5:2 duration=1 start=10000001")?.problem, .outOfRange)
    }

    func testRTArgumentErrorsNameTheKey() {
        let cases: [(String, String, GuestArgumentError.Problem)] = [
            ("tasks=5:2 duration=1", "policy", .missing),
            ("policy=fifo tasks=5:2 duration=1", "policy", .unknownValue),
            ("policy=edf duration=1", "tasks", .missing),
            ("policy=edf tasks=5-2 duration=1", "tasks", .malformed),
            ("policy=edf tasks=5:2, duration=1", "tasks", .malformed),
            ("policy=edf tasks=,5:2 duration=1", "tasks", .malformed),
            ("policy=edf tasks= duration=1", "tasks", .malformed),
            ("policy=edf tasks=5:6 duration=1", "tasks", .outOfRange),
            ("policy=edf tasks=5:0 duration=1", "tasks", .outOfRange),
            ("policy=edf tasks=0:0 duration=1", "tasks", .outOfRange),
            ("policy=edf tasks=1:1,1:1,1:1,1:1,1:1,1:1,1:1,1:1,1:1 duration=1", "tasks", .tooMany),
            ("policy=edf tasks=5:2", "duration", .missing),
            ("policy=edf tasks=5:2 duration=0", "duration", .outOfRange),
            ("policy=edf tasks=5:2 duration=1s", "duration", .malformed),
        ]
        for (text, key, problem) in cases {
            let error = rtError(text)
            XCTAssertEqual(error.map { "\($0.key)" }, key, text)
            XCTAssertEqual(error?.problem, problem, text)
        }
        XCTAssertNil(rtError("policy=edf tasks=1:1,1:1,1:1,1:1,1:1,1:1,1:1,1:1 duration=1"), "eight tasks fit")
    }

    func testErrorDescription() {
        var buffer = ByteBuffer()
        rtError("policy=edf tasks=5:6 duration=1")!.describe(to: &buffer)
        XCTAssertEqual(buffer.text, "bootargs: tasks: cost must be 1..period us")
    }

    func testLoadArguments() throws {
        let hog = try bootArguments("mode=hog duration=300") { try LoadGuestArguments($0) }
        XCTAssertEqual(hog.mode, .hog)
        XCTAssertEqual(hog.duration, .milliseconds(300))
        let periodic = try bootArguments("mode=periodic duration=5 block=700:300") { try LoadGuestArguments($0) }
        XCTAssertEqual(periodic.mode, .periodic(run: .microseconds(700), block: .microseconds(300)))
        XCTAssertNil(hog.reboot.map { $0.how })
        let reboot = try bootArguments("mode=hog duration=40 reboot=psci reboot-before=60") { try LoadGuestArguments($0) }
        XCTAssertEqual(reboot.reboot?.how, .psci)
        XCTAssertEqual(reboot.reboot?.before, .milliseconds(60))
        let schedOp = try bootArguments("mode=hog duration=40 reboot=sched reboot-before=1") { try LoadGuestArguments($0) }
        XCTAssertEqual(schedOp.reboot?.how, .schedOp)
        let cases: [(String, String, GuestArgumentError.Problem)] = [
            ("mode=hog duration=5 reboot=psci", "reboot-before", .missing),
            ("mode=hog duration=5 reboot=kexec reboot-before=5", "reboot", .unknownValue),
            ("mode=hog duration=5 reboot-before=5", "reboot-before", .notAllowedHere),
            ("mode=hog duration=5 reboot=sched reboot-before=0", "reboot-before", .outOfRange),
            ("duration=5", "mode", .missing),
            ("mode=idle duration=5", "mode", .unknownValue),
            ("mode=hog", "duration", .missing),
            ("mode=hog duration=5 block=1:1", "block", .notAllowedHere),
            ("mode=periodic duration=5", "block", .missing),
            ("mode=periodic duration=5 block=700", "block", .malformed),
            ("mode=periodic duration=5 block=0:300", "block", .outOfRange),
        ]
        for (text, key, problem) in cases {
            let error: GuestArgumentError? = bootArguments(text) { arguments in
                do throws(GuestArgumentError) { _ = try LoadGuestArguments(arguments); return nil } catch { return error }
            }
            XCTAssertEqual(error.map { "\($0.key)" }, key, text)
            XCTAssertEqual(error?.problem, problem, text)
        }
    }

    func testHostileArguments() throws {
        let plain = try bootArguments("duration=50") { try HostileGuestArguments($0) }
        XCTAssertNil(plain.sweepEnd)
        XCTAssertEqual(plain.crash, .none)
        let full = try bootArguments("sweep-end=0x82000000 duration=50 crash=vector") { try HostileGuestArguments($0) }
        XCTAssertEqual(full.sweepEnd, 0x8200_0000)
        XCTAssertEqual(full.crash, .brokenVectors)
        XCTAssertEqual(try bootArguments("duration=1 crash=undef") { try HostileGuestArguments($0) }.crash, .undefinedInstruction)
        XCTAssertNil(plain.ownWindow)
        XCTAssertNil(plain.foreignWindow)
        XCTAssertNil(plain.physicalBase)
        let windows = try bootArguments("duration=5 own-window=0x1c130600 foreign-window=0x1c130400 physical-base=0x81000000") {
            try HostileGuestArguments($0)
        }
        XCTAssertEqual(windows.ownWindow, 0x1C13_0600)
        XCTAssertEqual(windows.foreignWindow, 0x1C13_0400)
        XCTAssertEqual(windows.physicalBase, 0x8100_0000)
        XCTAssertEqual(plain.attack, .isolation)
        XCTAssertEqual(try bootArguments("duration=1 attack=isolation") { try HostileGuestArguments($0) }.attack, .isolation)
        XCTAssertEqual(try bootArguments("duration=200 attack=blkif") { try HostileGuestArguments($0) }.attack, .blkif)
        XCTAssertEqual(try bootArguments("duration=1 attack=abandon") { try HostileGuestArguments($0) }.attack, .abandon)
        XCTAssertEqual(try bootArguments("duration=1 attack=xenstore victim=2 end=oversize") { try HostileGuestArguments($0) }.attack,
                       .xenstore(victim: 2, end: .oversizedHeader))
        XCTAssertEqual(try bootArguments("duration=1 attack=xenstore victim=0 end=ring-index") { try HostileGuestArguments($0) }.attack,
                       .xenstore(victim: 0, end: .ringIndex))
        XCTAssertEqual(plain.startDelay, .zero)
        XCTAssertEqual(try bootArguments("duration=1 after=2500") { try HostileGuestArguments($0) }.startDelay, .milliseconds(2500))
        for (text, key) in [("duration=1 attack=xenstore end=oversize", "victim"), ("duration=1 attack=xenstore victim=x end=oversize", "victim"),
                            ("duration=1 attack=xenstore victim=40000 end=oversize", "victim"), ("duration=1 attack=xenstore victim=2", "end"),
                            ("duration=1 attack=xenstore victim=2 end=later", "end"), ("duration=1 after=soon", "after"),
                            ("sweep-end=82000000 duration=1", "sweep-end"), ("sweep-end=0x81000004 duration=1", "sweep-end"),
                            ("duration=1 crash=yes", "crash"), ("sweep-end=0x0", "duration"),
                            ("duration=1 own-window=0x1c130601", "own-window"), ("duration=1 foreign-window=x", "foreign-window"),
                            ("duration=1 attack=disk", "attack")] {
            let error: GuestArgumentError? = bootArguments(text) { arguments in
                do throws(GuestArgumentError) { _ = try HostileGuestArguments(arguments); return nil } catch { return error }
            }
            XCTAssertEqual(error.map { "\($0.key)" }, key, text)
        }
    }

    func testParseHex32() {
        func parse(_ text: String) -> UInt32? { bootArguments("x=" + text) { parseHex32($0.value("x")!) } }
        XCTAssertEqual(parse("0x2C001104"), 0x2C00_1104)
        XCTAssertEqual(parse("0Xffffffff"), 0xFFFF_FFFF)
        XCTAssertEqual(parse("0x0"), 0)
        XCTAssertNil(parse("0x"))
        XCTAssertNil(parse("0x123456789"), "nine digits do not fit")
        XCTAssertNil(parse("0x12g4"))
        XCTAssertNil(parse("1234"))
    }

}
