import Foundation
import HADeckTestSupport

// The coverage-guided fuzzer of HADeck's parsers (Benchmarks/fuzz.sh builds and runs it).
//
// Built with `-sanitize=fuzzer`, libFuzzer is linked in and drives `fuzzOne`: the first byte
// of each input picks the parser (FuzzTarget.all), the rest is the file. A broken promise
// aborts, so libFuzzer keeps the input as a crash artifact, as it does for a real crash or a
// hang. Built plainly, it replays files (such artifacts, or a corpus) and can write the seeds.
//
//   hadeck-fuzz --seeds DIR      write one seed per parser into DIR
//   hadeck-fuzz FILE...          replay inputs; exit 1 at the first broken promise
//   hadeck-fuzz [libFuzzer flags] CORPUS...   (fuzzer build) fuzz

/// Runs one input through the parser its first byte names; the broken promise, if any.
func broken(_ input: [UInt8]) -> String? {
    guard let first = input.first else { return nil }
    let target = FuzzTarget.all[Int(first) % FuzzTarget.all.count]
    guard case .broken(let promise) = target.check(Array(input.dropFirst())) else { return nil }
    return "\(target.name): \(promise)"
}

let fuzzOne: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, size in
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    if let promise = broken(input) {
        FileHandle.standardError.write(Data("broken promise: \(promise)\n".utf8))
        abort()
    }
    return 0
}

typealias FuzzerDriver = @convention(c) (UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                                         @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--seeds", arguments.count == 2 {
    for (index, target) in FuzzTarget.all.enumerated() {
        let file = URL(fileURLWithPath: arguments[1]).appendingPathComponent("seed-\(target.name)")
        try Data([UInt8(index)] + target.seed).write(to: file)
    }
} else if let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(unsafeBitCast(symbol, to: FuzzerDriver.self)(&argc, &argv, fuzzOne))
} else if arguments.isEmpty || arguments.contains(where: { $0.hasPrefix("-") }) {
    FileHandle.standardError.write(Data("usage: hadeck-fuzz --seeds DIR | hadeck-fuzz FILE...  (fuzzing needs the build of Benchmarks/fuzz.sh)\n".utf8))
    exit(2)
} else {
    for path in arguments {
        guard let input = FileManager.default.contents(atPath: path) else { print("\(path): cannot read"); exit(2) }
        if let promise = broken(Array(input)) { print("\(path): broken promise: \(promise)"); exit(1) }
        print("\(path): kept its promises")
    }
}
