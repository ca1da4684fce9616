import CHTTP
import Foundation

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
    /// The request reached the node but no answer came back (a timeout, a dropped
    /// connection): a change it asked for may or may not have been made.
    public var outcomeUnknown: Bool

    public init(_ message: String, outcomeUnknown: Bool = false) {
        self.message = message
        self.outcomeUnknown = outcomeUnknown
    }

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

    /// A node's answer is small (a health report, a list of settings); anything bigger is refused.
    static let largestResponse = 4 << 20

    /// One request on a blocking thread through libcurl (CHTTP): no cache, no cookies, no
    /// redirect followed (the API key goes to the configured address only), nothing kept.
    private func request(_ method: String, _ address: String, apiKey: String? = nil) async throws(ProductAPIError) -> (Int, [UInt8]) {
        guard let url = URL(string: address), let host = url.host, ["http", "https"].contains(url.scheme) else {
            throw ProductAPIError("bad address \(address)")
        }
        // A line break in the key would end the header and start another.
        if let apiKey, apiKey.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ProductAPIError("the API key holds a control character")
        }
        let header = apiKey.map { "X-ApiKey: \($0)" }
        let milliseconds = max(1, Int((timeout * 1000).rounded()))
        let result = await BlockingThreads.shared.run { () -> Result<(Int, [UInt8]), ProductAPIError> in
            var response = hadeck_http_response()
            let sent = hadeck_http_request(method, address, header, milliseconds, Self.largestResponse, &response)
            defer { hadeck_http_free(&response) }
            guard sent == 0 else {
                let reason = withUnsafeBytes(of: response.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return .failure(ProductAPIError("\(host): \(reason)", outcomeUnknown: response.sent != 0))
            }
            return .success((response.status, response.body.map { Array(UnsafeBufferPointer(start: $0, count: response.length)) } ?? []))
        }
        return try result.get()
    }
}

/// The settings API's key: `$HADECK_API_KEY`, else the inventory's `apiKeyFile` (a `PrivateFile`).
public enum APIKey {
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ProductAPIError) -> String {
        if let key = environment["HADECK_API_KEY"], !key.isEmpty { return key }
        guard let file else { throw ProductAPIError("no API key: set HADECK_API_KEY or apiKeyFile in the inventory") }
        switch PrivateFile.read(file, what: "API key file") {
        case .success(let key): return key.trimmingCharacters(in: .whitespacesAndNewlines)
        case .failure(let error): throw ProductAPIError(error.description)
        }
    }
}
