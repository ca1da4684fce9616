import Foundation
import Testing
import HADeckTestSupport

/// Hostile input for every parser of node files and the inventory: seeded mutations of valid
/// files. Each must parse or be refused with a located error; a crash or a hang fails the run.
/// `HADECK_FUZZ_ITERATIONS=N` runs N per corpus (SECURITY.md has the longer run, and the
/// coverage-guided one of Benchmarks/fuzz.sh on the same targets).
@Suite struct FuzzTests {
    /// The mutations run on a thread of their own: seconds of parsing on Swift's cooperative
    /// pool (one thread per core) would stall every other test of a parallel run for as long.
    func run(_ target: FuzzTarget, seed: UInt64, count: Int) async {
        let outcome = await withCheckedContinuation { (done: CheckedContinuation<Outcome, Never>) in
            Thread.detachNewThread { done.resume(returning: mutate(target, seed: seed, count: count)) }
        }
        if let broken = outcome.broken { Issue.record(Comment(rawValue: broken)); return }
        #expect(outcome.accepted + outcome.refused == count)
        #expect(outcome.refused > 0, "mutations that break the file are refused, not silently accepted")
        #expect(outcome.accepted > 0, "some mutations are still valid files, which must round-trip")
    }

    struct Outcome: Sendable {
        var accepted = 0, refused = 0
        var broken: String?
    }

    func mutate(_ target: FuzzTarget, seed: UInt64, count: Int) -> Outcome {
        var random = SeededGenerator(seed: seed)
        var outcome = Outcome()
        for iteration in 0..<count {
            let input = Fuzz.mutate(target.seed, &random)
            switch target.check(input) {
            case .accepted: outcome.accepted += 1
            case .refused: outcome.refused += 1
            case .broken(let promise):
                outcome.broken = "\(target.name) seed \(seed) iteration \(iteration): \(promise) for \(String(decoding: input, as: UTF8.self).debugDescription)"
                return outcome
            }
        }
        return outcome
    }

    @Test func xmlConfigurationFiles() async { await run(.xml, seed: 0x5EED_0001, count: Fuzz.iterations(standard: 3000)) }

    @Test func envConfigurationFiles() async { await run(.env, seed: 0x5EED_0002, count: Fuzz.iterations(standard: 3000)) }

    @Test func inventoryFiles() async { await run(.inventory, seed: 0x5EED_0003, count: Fuzz.iterations(standard: 2000)) }

    @Test func themeFiles() async { await run(.theme, seed: 0x5EED_0004, count: Fuzz.iterations(standard: 2000)) }

    /// The checks themselves catch what they are for.
    @Test func aBrokenPromiseIsReportedNotPassed() {
        #expect(FuzzTarget.xml.check(FuzzTarget.xml.seed) == .accepted)
        #expect(FuzzTarget.inventory.check([0xFF]) == .refused("not valid UTF-8"))
        guard case .refused(let why) = FuzzTarget.inventory.check(Array("nodes: [".utf8)) else { Issue.record("an unclosed list was accepted"); return }
        #expect(why.contains("fuzz.yaml"))
    }
}
