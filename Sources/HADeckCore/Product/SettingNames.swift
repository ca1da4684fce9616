import Foundation

/// One namespace of setting names: which setting a name means and where it lives (each
/// node's configuration file, or the settings API), so that `get`, `set` and the console
/// never write a typo as a new setting or look for a setting in the wrong place.
public enum SettingNames {
    /// Where a named setting lives.
    public enum Resolution: Sendable, Equatable {
        /// In each node's configuration file (known to the product, present on a node, or
        /// added on purpose with `--new`).
        case file(String)
        /// In the settings API (the product's database, cluster-wide), with its value type
        /// when known.
        case api(String, valueType: String?)
    }

    /// Why a name cannot be used as it is: the message says what to type instead.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Resolves `name` against the product's known settings, the names present in the nodes'
    /// files and the settings API's list (nil when it could not be read). Exact names win;
    /// a name that differs only in case is refused with the right spelling (the product's
    /// names are case-sensitive), and an unknown name is refused with the closest known ones
    /// unless `allowNew` (the administrator means to add it to the files). `offeringNew`: the
    /// refusal names `--new` (only where the command has it).
    public static func resolve(_ name: String, profile: ProductProfile, presentInFiles: Set<String>,
                               listedByAPI: [ProductSetting]?, allowNew: Bool = false, offeringNew: Bool = true) throws(Refusal) -> Resolution {
        if let problem = syntaxProblem(name) { throw Refusal(problem) }
        let fileNames = Set(profile.fileSettings).union(presentInFiles)
        let apiTypes = apiValueTypes(profile: profile, listed: listedByAPI)
        if fileNames.contains(name) { return .file(name) }
        // `PROGET_ENCRYPTION_KEY` is `EncryptionKey` by the name every command uses.
        let named = profile.setting(forEnvironmentVariable: name)
        if named != name { return .file(named) }
        if let type = apiTypes[name] { return .api(name, valueType: type) }
        let known = Array(fileNames) + Array(apiTypes.keys)
        if let spelled = known.first(where: { $0.lowercased() == name.lowercased() }) {
            throw Refusal("no setting is named '\(name)'; did you mean \(spelled)? (setting names are case-sensitive)")
        }
        if allowNew { return .file(name) }
        let closest = closestNames(to: name, among: known)
        throw Refusal("no setting is named '\(name)' on any node, in the product's known settings or in the settings API"
                      + (closest.isEmpty ? "" : "; did you mean \(closest.joined(separator: " or "))?")
                      + (offeringNew ? " (--new adds it to the configuration files as a new setting)" : ""))
    }

    /// Why `name` cannot be a setting's name at all, or nil.
    public static func syntaxProblem(_ name: String) -> String? {
        guard !TextShape.isIdentifier(name) else { return nil }
        return "'\(name)' is not a setting name (letters, digits, '_', '.', '-'; e.g. EncryptionKey or WebServer.Urls)"
    }

    /// The settings API's settings by name with their value types: the product's known
    /// ones first, overridden by what the API lists.
    public static func apiValueTypes(profile: ProductProfile, listed: [ProductSetting]?) -> [String: String?] {
        var types: [String: String?] = [:]
        for (name, type) in profile.apiSettings { types[name] = type }
        for setting in listed ?? [] {
            let known: String? = types[setting.name] ?? nil
            types[setting.name] = .some(setting.valueType ?? known)
        }
        return types
    }

    /// Up to three known names closest to `name` (edit distance, ignoring case), only those
    /// close enough to be a typo of it (a setting's, a command's).
    public static func closestNames(to name: String, among known: [String]) -> [String] {
        let lowered = name.lowercased()
        let scored = Set(known).map { candidate in (candidate, editDistance(lowered, candidate.lowercased())) }
        let limit = max(2, name.count / 3)
        return scored.filter { $0.1 <= limit }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
    }

    /// Levenshtein distance (insertions, deletions, substitutions).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
