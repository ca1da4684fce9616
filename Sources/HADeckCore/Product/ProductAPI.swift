import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a node's health endpoint says (`/health/json`); a null status counts as OK.
public struct HealthReport: Sendable, Equatable, Codable {
    public var applicationName: String?
    public var databaseStatus: String?
    public var databaseStatusDetails: String?
    public var licenseStatus: String?
    public var licenseStatusDetail: String?
    public var serviceStatus: String?
    public var serviceStatusDetail: String?
    public var versionNumber: String?
    public var releaseNumber: String?

    public var databaseOK: Bool { databaseStatus.map { $0 == "OK" } ?? true }
    public var licenseOK: Bool { licenseStatus.map { $0 == "OK" } ?? true }
    public var serviceOK: Bool { serviceStatus.map { $0 == "OK" } ?? true }
    public var isOK: Bool { databaseOK && licenseOK && serviceOK }

    /// What is wrong, in the product's own words.
    public var problems: [String] {
        [(databaseOK, "database", databaseStatusDetails), (serviceOK, "service", serviceStatusDetail), (licenseOK, "license", licenseStatusDetail)]
            .filter { !$0.0 }.map { "\($0.1): \($0.2 ?? "Error")" }
    }
}

/// One advanced setting as the settings API lists it.
public struct ProductSetting: Sendable, Equatable, Codable {
    public var name: String
    public var value: String?
    public var description: String?
    public var valueType: String?

    public init(name: String, value: String?, description: String? = nil, valueType: String? = nil) {
        self.name = name
        self.value = value
        self.description = description
        self.valueType = valueType
    }
}

/// Why a call to the product's HTTP interface failed.
public struct ProductAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The product's documented HTTP interfaces: `/health/json` and the settings API.
public struct ProductAPI: Sendable {
    public var timeout: TimeInterval

    public init(timeout: TimeInterval = 5) {
        self.timeout = timeout
    }

    /// The health report; `health` is the node's health URL (`…/health`).
    public func health(at health: String) async throws(ProductAPIError) -> HealthReport {
        let (status, body) = try await request("GET", health + (health.hasSuffix("/health") ? "/json" : ""))
        guard let report = try? JSONDecoder().decode(HealthReport.self, from: Data(body)) else {
            throw ProductAPIError("health: HTTP \(status), not a health report")
        }
        return report
    }

    public func settings(at api: String, apiKey: String) async throws(ProductAPIError) -> [ProductSetting] {
        let (status, body) = try await request("GET", api + "/api/settings/list?showAll=true", apiKey: apiKey)
        guard status == 200 else { throw Self.error(status, body) }
        guard let settings = try? JSONDecoder().decode([ProductSetting].self, from: Data(body)) else {
            throw ProductAPIError("settings API: not a list of settings")
        }
        return settings
    }

    public func set(_ name: String, to value: String, at api: String, apiKey: String) async throws(ProductAPIError) {
        var components = URLComponents(string: api + "/api/settings/set")
        components?.queryItems = [URLQueryItem(name: "name", value: name), URLQueryItem(name: "value", value: value)]
        // `+` and `&` must not reach the server as a space or a separator.
        let query = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = query
        guard let url = components?.string else { throw ProductAPIError("bad API address \(api)") }
        let (status, body) = try await request("POST", url, apiKey: apiKey)
        guard (200..<300).contains(status) else { throw Self.error(status, body) }
    }

    private static func error(_ status: Int, _ body: [UInt8]) -> ProductAPIError {
        switch status {
        case 401: ProductAPIError("settings API: an API key is required (HTTP 401)")
        case 403: ProductAPIError("settings API: the API key was refused (HTTP 403)")
        default: ProductAPIError("settings API: HTTP \(status): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
    }

    /// No cache, in memory or on disk, and no cookies: every poll asks the node afresh, settings
    /// (secrets among them) are never kept, and a console left running for days does not grow.
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration)
    }()

    private func request(_ method: String, _ address: String, apiKey: String? = nil) async throws(ProductAPIError) -> (Int, [UInt8]) {
        guard let url = URL(string: address) else { throw ProductAPIError("bad address \(address)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let apiKey { request.setValue(apiKey, forHTTPHeaderField: "X-ApiKey") }
        do {
            let (data, response) = try await Self.session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, Array(data))
        } catch {
            throw ProductAPIError("\(url.host ?? address): \(error.localizedDescription)")
        }
    }
}

/// The settings API's key: `$HADECK_API_KEY`, else the inventory's `apiKeyFile`, which must
/// not be readable by group or others (as ssh refuses such a private key).
public enum APIKey {
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProductAPIError) -> String {
        if let key = environment["HADECK_API_KEY"], !key.isEmpty { return key }
        guard let file else { throw ProductAPIError("no API key: set HADECK_API_KEY or apiKeyFile in the inventory") }
        let path = (file as NSString).expandingTildeInPath
        var info = stat()
        guard stat(path, &info) == 0 else { throw ProductAPIError("API key file \(path): no such file") }
        guard info.st_mode & 0o077 == 0 else {
            throw ProductAPIError(String(format: "API key file %@ is readable by others (mode %03o); run chmod 600 %@", path, info.st_mode & 0o777, path))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ProductAPIError("API key file \(path): cannot read it") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
