import Foundation

/// A file that holds a secret (the settings API's key, the become password): it must not be
/// readable by group or others, as ssh refuses such a private key.
public enum PrivateFile {
    /// The file's text as it is; `what` names the file in errors.
    public static func read(_ file: String, what: String) -> Result<String, PrivateFileError> {
        let path = (file as NSString).expandingTildeInPath
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(PrivateFileError("\(what) \(path): no such file")) }
        guard info.st_mode & 0o077 == 0 else {
            return .failure(PrivateFileError(String(format: "%@ %@ is readable by others (mode %03o); run chmod 600 %@", what, path, info.st_mode & 0o777, path)))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return .failure(PrivateFileError("\(what) \(path): cannot read it")) }
        return .success(text)
    }
}

public struct PrivateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
