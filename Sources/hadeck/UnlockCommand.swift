import ArgumentParser
import HADeckCore

/// `hadeck unlock`: removes the locks that killed or crashed HADeck runs left on the nodes'
/// configuration files, without writing anything else.
struct Unlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock",
        abstract: "Break the locks that killed or crashed HADeck runs left on the nodes' configuration files.",
        discussion: "Shows who holds each lock and since when, and asks first. Break a lock only when the run that holds it is gone: "
            + "a run still writing would find its file changed under it.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var selection: NodeSelection
    @Flag(help: "Do not ask for confirmation (for scripts).") var yes = false

    func run() async throws {
        let cluster = try cluster.cluster()
        let found = await cluster.forEachNode(try selection.nodes(of: cluster)) { node -> (node: Node, lock: Result<String?, NodeFileError>) in
            do throws(NodeFileError) { return (node, .success(try await cluster.files(on: node).read(node.config).lock)) }
            catch { return (node, .failure(error)) }
        }
        var locked: [(node: Node, holder: String)] = [], live = 0
        for (node, lock) in found {
            switch lock {
            case .success(let holder?) where Writer.liveRunHere(holder) != nil:
                // Its run is still writing: breaking the lock would let another write under it.
                print("\(node.name): \(node.config) locked by \(holder), a run still alive on this machine: left as it is (wait for it)")
                live += 1
            case .success(let holder?): locked.append((node, holder))
            case .success(nil): break
            case .failure(let error): print("\(node.name): could not read \(node.config): \(error)")
            }
        }
        let unread = found.count { if case .failure = $0.lock { true } else { false } }
        guard !locked.isEmpty else {
            if live == 0 { print("No lock on the configuration file of the \(found.count - unread) node\(found.count - unread == 1 ? "" : "s") read.") }
            if unread > 0 || live > 0 { throw problemsFound }
            return
        }
        for (node, holder) in locked { print("\(node.name): \(node.config) locked by \(holder)") }
        try requireAuditLog()
        let question = "Break \(locked.count == 1 ? "this lock" : "these \(locked.count) locks")? Only if the run that holds it is gone."
        guard try Confirmation.ask(question, yes: yes) else {
            print("Not confirmed: no lock broken.")
            throw problemsFound
        }
        let applier = ChangeApplier(cluster: cluster)
        var failed = unread > 0 || live > 0
        for (node, _) in locked {
            let broken = await applier.breakLock(on: node, path: node.config)
            print("\(node.name): \(node.config): \(broken.result)")
            failed = failed || broken.failed
        }
        if failed { throw problemsFound }
    }
}
