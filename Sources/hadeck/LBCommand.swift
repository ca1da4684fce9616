import ArgumentParser
import HADeckCore

/// `hadeck lb haproxy|nginx`: load-balancer configuration for the web nodes.
struct LB: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lb", abstract: "Print load-balancer configuration for the web nodes.",
                                                    subcommands: [HAProxy.self, Nginx.self])

    struct Options: ParsableArguments {
        @OptionGroup var cluster: ClusterOptions
        @Option(help: "The port the load balancer listens on.") var listen = 80
    }

    struct HAProxy: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "haproxy", abstract: "A complete haproxy.cfg (frontend and backend).")
        @OptionGroup var options: Options
        func run() throws {
            do { print(try LoadBalancer.haproxy(try options.cluster.loadInventory(), listen: options.listen), terminator: "") } catch let error as LocatedError { throw BadInput(error) }
        }
    }

    struct Nginx: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "nginx", abstract: "The upstream and server blocks for nginx's http context.")
        @OptionGroup var options: Options
        func run() throws {
            do { print(try LoadBalancer.nginx(try options.cluster.loadInventory(), listen: options.listen), terminator: "") } catch let error as LocatedError { throw BadInput(error) }
        }
    }
}
