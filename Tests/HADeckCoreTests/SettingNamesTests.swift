import Testing
@testable import HADeckCore

@Suite struct SettingNamesResolutionTests {
    let profile = ProductProfile.profile(for: .proget)
    let listed = [ProductSetting(name: "Service.HeartbeatFrequency", value: "30", valueType: "Integer"),
                  ProductSetting(name: "Feeds.Custom", value: "x", valueType: "Text")]

    func resolve(_ name: String, present: Set<String> = [], listed: [ProductSetting]? = nil, new: Bool = false) throws(SettingNames.Refusal) -> SettingNames.Resolution {
        try SettingNames.resolve(name, profile: profile, presentInFiles: present, listedByAPI: listed, allowNew: new)
    }

    @Test func eachNameGoesWhereItLives() throws {
        #expect(try resolve("EncryptionKey") == .file("EncryptionKey"))
        #expect(try resolve("PROGET_ENCRYPTION_KEY") == .file("EncryptionKey"))
        #expect(try resolve("InstallationPath", present: ["InstallationPath"]) == .file("InstallationPath"))
        #expect(try resolve("Service.HeartbeatFrequency") == .api("Service.HeartbeatFrequency", valueType: "Integer"))
        #expect(try resolve("Feeds.Custom", listed: listed) == .api("Feeds.Custom", valueType: "Text"))
        #expect(try resolve("Storage.PackagesRootPath") == .api("Storage.PackagesRootPath", valueType: "Text"))
        #expect(try resolve("Brand.New", new: true) == .file("Brand.New"))
    }

    @Test func typosAndWrongCaseAreRefusedWithTheClosestNames() {
        #expect(throws: SettingNames.Refusal.self) { try resolve("encryptionkey", new: true) }
        do { _ = try resolve("EncryptonKey"); Issue.record("a typo is refused") } catch {
            #expect(error.description.contains("did you mean EncryptionKey?"))
        }
        do { _ = try resolve("Service.HeartbeatFrequncy", listed: listed); Issue.record("a typo is refused") } catch {
            #expect(error.description.contains("did you mean Service.HeartbeatFrequency?"))
        }
        do { _ = try resolve("Zzzzzz"); Issue.record("unknown is refused") } catch {
            #expect(!error.description.contains("did you mean") && error.description.contains("--new adds it"))
        }
    }

    @Test func valueTypesAreChecked() {
        #expect(SettingRules.problem(with: "25", for: "X", valueType: "Integer") == nil)
        #expect(SettingRules.problem(with: "-3", for: "X", valueType: "Integer") == nil)
        #expect(SettingRules.problem(with: "abc", for: "X", valueType: "Integer") != nil)
        #expect(SettingRules.problem(with: "2.5", for: "X", valueType: "Integer") != nil)
        #expect(SettingRules.problem(with: "True", for: "X", valueType: "Boolean") == nil)
        #expect(SettingRules.problem(with: "maybe", for: "X", valueType: "Boolean") != nil)
        #expect(SettingRules.problem(with: "anything", for: "X", valueType: "Text") == nil)
        #expect(SettingRules.problem(with: "anything", for: "X", valueType: nil) == nil)
    }

    /// Values of the right type that the product cannot use are refused too.
    @Test func valuesTheProductCannotUseAreRefused() {
        #expect(SettingRules.problem(with: "0", for: "Service.HeartbeatFrequency", valueType: "Integer")
                == "Service.HeartbeatFrequency is a number of seconds: at least 1, not 0")
        #expect(SettingRules.problem(with: "-5", for: "Service.StaleNodeTimeout", valueType: "Integer") != nil)
        #expect(SettingRules.problem(with: "30", for: "Service.HeartbeatFrequency", valueType: "Integer") == nil)
        for bad in ["tcp://*:99999", "tcp://*:0", "tcp://*", "tcp://:4000", "udp://*:4000", "*:4000"] {
            #expect(SettingRules.problem(with: bad, for: "Service.MessengerEndpoint", valueType: "Text")?
                .hasPrefix("Service.MessengerEndpoint takes tcp://HOST:PORT") == true, "\(bad)")
        }
        for good in ["tcp://*:33237", "tcp://10.0.0.1:4000", "tcp://[::1]:4000", ""] {
            #expect(SettingRules.problem(with: good, for: "Service.MessengerEndpoint", valueType: "Text") == nil, "\(good)")
        }
        #expect(SettingRules.problem(with: "yes", for: "WebServer.Enabled") == "WebServer.Enabled takes true or false, not 'yes'")
        #expect(SettingRules.problem(with: "False", for: "WebServer.Enabled") == nil)
        #expect(ProductProfile.readAtStartNote("Service.HeartbeatFrequency")?.hasPrefix("Every node reads Service.HeartbeatFrequency only when it starts") == true)
        #expect(ProductProfile.readAtStartNote("Web.BaseUrl") == nil)
        let now = ["Service.HeartbeatFrequency": "30", "Service.StaleNodeTimeout": "120"]
        #expect(SettingRules.problem(with: "5", for: "Service.StaleNodeTimeout", valueType: "Integer", current: { now[$0] })
                == "Service.StaleNodeTimeout (5 s) must be longer than Service.HeartbeatFrequency (30 s): every node would be found stale between its own heartbeats")
        #expect(SettingRules.problem(with: "200", for: "Service.HeartbeatFrequency", valueType: "Integer", current: { now[$0] })?.hasPrefix("Service.StaleNodeTimeout (120 s) must be longer") == true)
        #expect(SettingRules.problem(with: "60", for: "Service.HeartbeatFrequency", valueType: "Integer", current: { now[$0] }) == nil)
        #expect(SettingRules.problem(with: "5", for: "Service.StaleNodeTimeout", valueType: "Integer") == nil, "the heartbeat unknown: not judged")
    }
}
