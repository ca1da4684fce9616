import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// The settings API client against a real HTTP server (Python's) that misbehaves on purpose:
/// it redirects, answers too much, never answers, or takes a change without answering.
@Suite struct ProductAPITests {
    typealias Server = MisbehavingHTTPServer

    @Test func aRedirectIsNotFollowedSoTheKeyGoesNowhereElse() async throws {
        let server = try Server()
        await #expect {
            try await ProductAPI().settings(at: server.base + "/redirect", apiKey: "k3y")
        } throws: { error in
            "\(error)".contains("HTTP 302")
        }
        #expect(server.requests == ["GET /redirect/api/settings/list?showAll=true k3y"], "the landing page was never asked")
    }

    @Test func anOverlongAnswerIsRefused() async throws {
        let server = try Server()
        await #expect {
            try await ProductAPI().settings(at: server.base + "/big", apiKey: "k3y")
        } throws: { error in
            "\(error)" == "127.0.0.1: the response is larger than \(ProductAPI.largestResponse) bytes"
        }
    }

    /// Plain http:// is read without libcurl (CHTTP): every way an answer may be framed.
    @Test func chunkedAndUnframedAnswersAreRead() async throws {
        let server = try Server()
        #expect(try await ProductAPI().settings(at: server.base + "/chunked", apiKey: "k3y").isEmpty)
        #expect(try await ProductAPI().settings(at: server.base + "/unframed", apiKey: "k3y").isEmpty)
        await #expect {
            try await ProductAPI().settings(at: server.base + "/bigchunked", apiKey: "k3y")
        } throws: { error in
            "\(error)" == "127.0.0.1: the response is larger than \(ProductAPI.largestResponse) bytes"
        }
        #expect(server.requests == ["GET /chunked/api/settings/list?showAll=true k3y", "GET /unframed/api/settings/list?showAll=true k3y",
                                    "GET /bigchunked/api/settings/list?showAll=true k3y"])
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try Server()
        await #expect {
            try await ProductAPI(timeout: 0.5).settings(at: server.base + "/slow", apiKey: "k3y")
        } throws: { error in
            "\(error)".hasPrefix("127.0.0.1: ") && "\(error)".lowercased().contains("timed out")
        }
    }

    @Test func aKeyWithALineBreakIsRefusedBeforeAnythingIsSent() async throws {
        let server = try Server()
        await #expect(throws: ProductAPIError("the API key holds a control character")) {
            try await ProductAPI().settings(at: server.base + "/ok", apiKey: "k3y\r\nX-Injected: 1")
        }
        let answered = try await ProductAPI().settings(at: server.base + "/ok", apiKey: "k3y")
        #expect(answered.isEmpty)
        #expect(server.requests == ["GET /ok/api/settings/list?showAll=true k3y"], "only the clean request reached the server")
    }

    /// A change sent to a node that then never answers may have been made; one refused, or
    /// never delivered, was not. HADeck must tell the two apart to report honestly.
    @Test func aChangeTheNodeTookWithoutAnsweringHasAnUnknownOutcome() async throws {
        let server = try Server()
        let api = ProductAPI(timeout: 0.5)
        let silent = await #expect(throws: ProductAPIError.self) { try await api.set("A", to: "1", at: server.base + "/silent", apiKey: "k3y") }
        #expect(silent?.outcomeUnknown == true, "\(String(describing: silent))")
        #expect(server.requests == ["POST /silent/api/settings/set?name=A&value=1 k3y"], "the request did reach the node")

        let refused = await #expect(throws: ProductAPIError.self) { try await api.set("A", to: "1", at: server.base + "/refuse", apiKey: "k3y") }
        #expect(refused == ProductAPIError("settings API: HTTP 500: The database is not reachable"))

        // Port 1: nothing listens there, so nothing was delivered.
        let unreachable = await #expect(throws: ProductAPIError.self) { try await api.set("A", to: "1", at: "http://127.0.0.1:1", apiKey: "k3y") }
        #expect(unreachable?.outcomeUnknown == false, "\(String(describing: unreachable))")
    }
}
