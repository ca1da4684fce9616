import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server: one request in, one response out, handled by an async closure.
enum HTTPServer {
    struct Request: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        /// Header names lowercased.
        var headers: [String: String]
    }

    struct Response: Sendable {
        var status: Int
        var contentType: String
        var body: [UInt8]

        static func text(_ text: String, status: Int = 200) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
        }

        static func json(_ value: Any, status: Int = 200) -> Response {
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("null".utf8)
            return Response(status: status, contentType: "application/json", body: Array(data))
        }
    }

    typealias Handler = @Sendable (Request) async -> Response

    static func start(address: String, port: Int, handler: @escaping Handler) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(RequestHandler(handler: handler))
                }
            }
            .bind(host: address, port: port).get()
    }

    private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let handler: Handler
        private var head: HTTPRequestHead?

        init(handler: @escaping Handler) { self.handler = handler }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body: break // the API takes its arguments in the query string
            case .end:
                guard let head else { return }
                let request = Self.request(from: head)
                let keepAlive = head.isKeepAlive
                let version = head.version
                let promise = context.eventLoop.makePromise(of: Response.self)
                let handler = self.handler
                promise.completeWithTask { await handler(request) }
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                promise.futureResult.whenSuccess { response in
                    Self.write(response, version: version, keepAlive: keepAlive, context: bound.value)
                }
            }
        }

        private static func write(_ response: Response, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: response.contentType)
            headers.add(name: "Content-Length", value: String(response.body.count))
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
            let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
            if !keepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
        }

        private static func request(from head: HTTPRequestHead) -> Request {
            let components = URLComponents(string: head.uri)
            var query: [String: String] = [:]
            for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            return Request(method: head.method.rawValue, path: components?.path ?? head.uri, query: query, headers: headers)
        }
    }
}
