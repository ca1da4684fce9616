import Foundation

/// How a node's need for the become password reaches the console's masked dialog: the
/// password source of the run waits here until the administrator answers (or the console ends).
public final class PasswordDialog: @unchecked Sendable {
    private let lock = NSLock()
    private var ask: (@Sendable () -> Void)?
    private var waiting: [CheckedContinuation<[UInt8]?, Never>] = []

    public init() {}

    /// The password typed in the dialog; nil if refused, or if no console is showing.
    public func password() async -> [UInt8]? {
        await withCheckedContinuation { (answer: CheckedContinuation<[UInt8]?, Never>) in
            let ask = lock.withLock { () -> (@Sendable () -> Void)? in
                if let ask = self.ask { waiting.append(answer); return ask }
                return nil
            }
            guard let ask else { answer.resume(returning: nil); return }
            ask()
        }
    }

    /// The console shows the dialog when `ask` is called; nil when it ends (a waiting question gets nil).
    func attach(_ ask: (@Sendable () -> Void)?) {
        lock.withLock { self.ask = ask }
        if ask == nil { answer(nil) }
    }

    func answer(_ password: [UInt8]?) {
        let answered = lock.withLock { defer { waiting = [] }; return waiting }
        for continuation in answered { continuation.resume(returning: password) }
    }
}
