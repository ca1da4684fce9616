/// The parts of an ADO.NET / Npgsql connection string (`Host=db;Port=5432;Database=proget;…`)
/// that say where the database is and who connects.
public struct ConnectionString: Sendable, Equatable {
    public var host: String?
    public var port: Int?
    public var database: String?
    public var username: String?
    public var password: String?

    public init(host: String? = nil, port: Int? = nil, database: String? = nil, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    private static let hostKeys: Set<String> = ["host", "server", "data source", "address", "addr"]
    private static let userKeys: Set<String> = ["username", "user id", "userid", "user", "uid"]

    /// Reads `key=value;` pairs (keys in any case, values optionally quoted); unknown keys are ignored.
    public init(_ text: String) {
        for (key, value) in Self.pairs(text) {
            switch key {
            case let key where Self.hostKeys.contains(key):
                // SQL Server writes "server,port" or "server:port"; keep both parts.
                let parts = value.split(whereSeparator: { $0 == "," || $0 == ":" }).map(String.init)
                host = parts.first
                if parts.count == 2, let number = Int(parts[1]) { port = number }
            case "port": port = Int(value)
            case "database", "initial catalog": database = value
            case let key where Self.userKeys.contains(key): username = value
            case "password", "pwd": password = value
            default: break
            }
        }
    }

    private static func pairs(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { break }
            let key = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: equals)...].drop { $0 == " " }
            var value = ""
            if let quote = rest.first, quote == "\"" || quote == "'" {
                rest = rest.dropFirst()
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if character == quote {
                        if rest.first == quote { value.append(quote); rest = rest.dropFirst(); continue }
                        break
                    }
                    value.append(character)
                }
                rest = rest.drop { $0 != ";" }
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            rest = rest.drop { $0 == ";" || $0 == " " }
            result.append((key, value))
        }
        return result
    }
}

import Foundation
