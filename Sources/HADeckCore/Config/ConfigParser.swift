/// Reads a configuration file in the format its node declares.
public enum ConfigParser {
    public static func parse(_ bytes: [UInt8], format: ConfigFormat, profile: ProductProfile) throws(ConfigParseError) -> any ConfigDocument {
        switch format {
        case .xml: try XMLConfigDocument(bytes: bytes)
        case .env: try EnvConfigDocument(bytes: bytes, profile: profile)
        }
    }
}

/// Rules a setting's value must follow whatever file it comes from.
public enum SettingRules {
    /// Why `value` is not acceptable for `name`, or nil when it is. Never quotes a secret.
    public static func problem(with value: String, for name: String) -> String? {
        switch name {
        case "EncryptionKey":
            let isHex = value.allSatisfy { $0.isHexDigit && $0.isASCII }
            if value.count == 32 && isHex { return nil }
            return "EncryptionKey must be 32 hex digits (this one has \(value.count) characters\(isHex ? "" : ", not all of them hex digits"))"
        case "WebServer.Enabled" where !["true", "false"].contains(value.lowercased()):
            return "WebServer.Enabled takes true or false, not '\(value)'"
        default:
            return nil
        }
    }

    /// Why `value` is not acceptable as the settings API's `valueType` (Text, Integer,
    /// Boolean), or for what the product does with it, or nil when it is (or the type is
    /// unknown). `current` gives the other settings' values now (the heartbeat for the stale timeout).
    public static func problem(with value: String, for name: String, valueType: String?,
                               current: (String) -> String? = { _ in nil }) -> String? {
        switch valueType?.lowercased() {
        case "integer" where !TextShape.isInteger(value):
            return "\(name) takes a whole number (the settings API's type Integer), not '\(Secrets.mask(value, forSetting: name))'"
        case "boolean" where !["true", "false"].contains(value.lowercased()):
            return "\(name) takes True or False (the settings API's type Boolean), not '\(Secrets.mask(value, forSetting: name))'"
        default:
            return rangeProblem(with: value, for: name) ?? timingProblem(with: value, for: name, current: current)
        }
    }

    /// A stale timeout no longer than the heartbeat: every node would be found stale between two
    /// of its own heartbeats.
    static func timingProblem(with value: String, for name: String, current: (String) -> String?) -> String? {
        let (heartbeatName, staleName) = (ProductProfile.readAtStartSettings[0], ProductProfile.readAtStartSettings[1])
        guard let seconds = Int(value), [heartbeatName, staleName].contains(name) else { return nil }
        let other = name == heartbeatName ? staleName : heartbeatName
        guard let otherSeconds = current(other).flatMap({ Int($0) }) else { return nil }
        let (heartbeat, stale) = name == heartbeatName ? (seconds, otherSeconds) : (otherSeconds, seconds)
        guard stale <= heartbeat else { return nil }
        return "\(staleName) (\(stale) s) must be longer than \(heartbeatName) (\(heartbeat) s): every node would be found stale between its own heartbeats"
    }

    /// What the type alone lets through but the product cannot use: a heartbeat of 0 seconds,
    /// a messenger port past 65535.
    static func rangeProblem(with value: String, for name: String) -> String? {
        if ProductProfile.readAtStartSettings.contains(name), let seconds = Int(value), seconds < 1 {
            return "\(name) is a number of seconds: at least 1, not \(value)"
        }
        if name == ProductProfile.messengerEndpointSetting, !value.isEmpty {
            let address = value.hasPrefix("tcp://") ? value.dropFirst("tcp://".count) : ""
            let colon = address.lastIndex(of: ":")
            let port = colon.flatMap { Int(address[address.index(after: $0)...]) }
            guard let colon, colon > address.startIndex, let port, (1...65535).contains(port) else {
                return "\(name) takes tcp://HOST:PORT (tcp://*:PORT to listen on every address), with a port from 1 to 65535, not '\(value)'"
            }
        }
        return nil
    }
}
