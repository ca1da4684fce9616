/// One setting of one node, as the product would see it, and where it came from.
public struct Setting: Sendable, Equatable {
    public var name: String
    public var value: String
    /// `line 3`, or `/run/secrets/key (PROGET_ENCRYPTION_KEY_FILE)` for a value read from a file.
    public var origin: String

    public init(name: String, value: String, origin: String) {
        self.name = name
        self.value = value
        self.origin = origin
    }
}

/// A node's configuration file, read and understood.
public struct NodeConfiguration: Sendable {
    public var file: RemoteFile
    public var document: any ConfigDocument
    /// Files that hold a setting's value (`X_FILE` variables), by setting name.
    public var referencedFiles: [String: RemoteFile]
    public var settings: [Setting]
    /// Values present but not acceptable (an encryption key that is not 32 hex digits).
    public var problems: [String]

    public func setting(named name: String) -> Setting? { settings.first { $0.name == name } }
}

/// What reading one node gave: its configuration, or why there is none.
public struct NodeSnapshot: Sendable {
    public var node: Node
    public var result: Result<NodeConfiguration, NodeReadError>
    /// How long reading took: one round trip for the file (two with an `X_FILE`).
    public var elapsed: Duration = .zero

    public var configuration: NodeConfiguration? { try? result.get() }
}

/// Why a node's configuration could not be read or understood.
public struct NodeReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// False when the node itself could not be reached (as opposed to its file being bad).
    public var reachedNode: Bool
    /// True when the file was read but is not a configuration HADeck can understand (a parse
    /// error), as opposed to a file that could not be read at all.
    public var readButInvalid: Bool
    public init(_ message: String, reachedNode: Bool = true, readButInvalid: Bool = false) {
        self.message = message
        self.reachedNode = reachedNode
        self.readButInvalid = readButInvalid
    }
    public var description: String { message }
}

/// Reads nodes' configuration files through their transports.
public enum NodeReader {
    public static func read(_ node: Node, with files: NodeFiles, profile: ProductProfile) async -> NodeSnapshot {
        let clock = ContinuousClock()
        let start = clock.now
        let result = await configuration(of: node, with: files, profile: profile)
        return NodeSnapshot(node: node, result: result, elapsed: clock.now - start)
    }

    static func configuration(of node: Node, with files: NodeFiles, profile: ProductProfile) async -> Result<NodeConfiguration, NodeReadError> {
        let file: RemoteFile
        do { file = try await files.read(node.config) } catch {
            // sudo's refusal comes from the node: reached, its file unreadable (and why).
            if case .transport(let why) = error, !(why.isBecomeFailure) { return .failure(NodeReadError("\(error)", reachedNode: false)) }
            return .failure(NodeReadError("\(error)"))
        }
        let document: any ConfigDocument
        do { document = try ConfigParser.parse(file.content, format: node.format, profile: profile) }
        catch { return .failure(NodeReadError("\(node.config): \(error)", readButInvalid: true)) }

        // An `X_FILE` variable only says where X's value is; X itself is the setting.
        let pointers = Set((document as? EnvConfigDocument)?.fileReferences.map(\.variable) ?? [])
        var settings = document.entries.filter { !pointers.contains($0.name) }
            .map { Setting(name: $0.name, value: $0.value, origin: "line \($0.line)") }
        var referenced: [String: RemoteFile] = [:]
        if let env = document as? EnvConfigDocument {
            for reference in env.fileReferences {
                let path = reference.path.hasPrefix("/") || node.transport != .local ? reference.path
                    : (node.config as NSString).deletingLastPathComponent + "/" + reference.path
                do {
                    let secret = try await files.read(path)
                    guard let text = secret.content.utf8String else {
                        return .failure(NodeReadError("\(path) (\(reference.variable)): not valid UTF-8", readButInvalid: true))
                    }
                    referenced[reference.setting] = secret
                    settings.append(Setting(name: reference.setting, value: text.trimmingTrailingNewline(),
                                            origin: "\(path) (\(reference.variable))"))
                } catch {
                    return .failure(NodeReadError("\(reference.variable) on line \(reference.line): \(error)"))
                }
            }
        }
        let problems = settings.compactMap { setting in
            SettingRules.problem(with: setting.value, for: setting.name).map { "\($0) (\(setting.origin))" }
        }
        return .success(NodeConfiguration(file: file, document: document, referencedFiles: referenced,
                                          settings: settings, problems: problems))
    }
}

extension String {
    /// Without one final "\n" or "\r\n": how a secret file's value is read.
    func trimmingTrailingNewline() -> String {
        if hasSuffix("\r\n") { return String(dropLast(2)) }
        if hasSuffix("\n") { return String(dropLast()) }
        return self
    }
}

import Foundation
