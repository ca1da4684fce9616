import Foundation

/// A command line `hadeck` suggests (a restart, a listing), ready to copy and paste: it carries
/// the options that chose what this run worked on (`-i FILE`, the lab's `--dir`).
public struct CommandHint: Sendable {
    /// Options added after the command's own words, e.g. `["-i", "lab/cluster.yaml"]`.
    public var options: [String]

    public init(options: [String] = []) { self.options = options }

    public func callAsFunction(_ words: String...) -> String { callAsFunction(words) }

    public func callAsFunction(_ words: [String]) -> String {
        (["hadeck"] + words + options).map(Self.word).joined(separator: " ")
    }

    /// Quoted for the shell only when it has to be.
    private static func word(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./:=@%+,".unicodeScalars.contains($0) }
        return plain ? text : shellQuote(text)
    }
}
