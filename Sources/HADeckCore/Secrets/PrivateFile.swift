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

extension PrivateFile {
    /// Makes `path` and the folders above it that are missing, each new one 0700 (`mkdir -p`),
    /// failing in the system's own words: `cannot make /x/y: Not a directory (/x is a file)`.
    public static func makeFolder(_ path: String) throws(PrivateFileError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            var info = stat()
            if stat(built, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else { throw PrivateFileError("cannot make \(path): \(built) is not a folder") }
                continue
            }
            guard mkdir(built, 0o700) == 0 || errno == EEXIST else {
                throw PrivateFileError("cannot make \(path): \(String(cString: strerror(errno))) (\(built))")
            }
        }
    }
}

public struct PrivateFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
