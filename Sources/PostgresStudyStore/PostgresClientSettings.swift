import Foundation
import NIOSSL
import PostgresNIO
import StudyStore

/// How a ``PostgresLocation`` becomes postgres-nio's client configuration: TLS as libpq's
/// `sslmode` means it, the password from the environment, the pool's size and timeouts.
enum PostgresClientSettings {
    /// The client configuration for `location`.
    /// - Throws: ``StudyStoreError/invalidLocation(_:)`` for certificate files that cannot be read.
    /// `deadlines.call` also bounds, on the server, how long a session may sit in an open
    /// transaction (`idle_in_transaction_session_timeout`): a worker whose link was cut mid-
    /// transaction would otherwise hold its trial's row locked — and out of every other worker's
    /// `SKIP LOCKED` take-over — until the server's TCP keep-alive noticed, hours later.
    static func configuration(_ location: PostgresLocation, environment: [String: String], maximumConnections: Int,
                              deadlines: PostgresCallDeadlines) throws -> PostgresClient.Configuration {
        let password = location.password(environment: environment)
        var configuration: PostgresClient.Configuration
        if location.host.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(location.host)/.s.PGSQL.\(location.port)", username: location.user, password: password,
                                  database: location.database)
        } else {
            configuration = .init(host: location.host, port: location.port, username: location.user, password: password,
                                  database: location.database, tls: try tls(location))
        }
        configuration.options.connectTimeout = .seconds(location.connectTimeout)
        let idleLimit = deadlines.call.components
        configuration.options.additionalStartupParameters = [
            ("application_name", location.applicationName),
            ("idle_in_transaction_session_timeout", String(idleLimit.seconds * 1_000 + idleLimit.attoseconds / 1_000_000_000_000_000)),
        ]
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        // Keep-alive queries find a connection a cut link has killed before a store call does.
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        return configuration
    }

    /// The configuration of one direct connection to the same server (the store's first
    /// contact, which says at once why it fails).
    static func probe(_ location: PostgresLocation, environment: [String: String]) throws -> PostgresConnection.Configuration {
        let password = location.password(environment: environment)
        var configuration: PostgresConnection.Configuration
        if location.host.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(location.host)/.s.PGSQL.\(location.port)", username: location.user, password: password,
                                  database: location.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch location.sslMode {
                case .disable: tls = .disable
                case .allow, .prefer: tls = .prefer(try NIOSSLContext(configuration: try tlsConfiguration(location)))
                case .require, .verifyCA, .verifyFull: tls = .require(try NIOSSLContext(configuration: try tlsConfiguration(location)))
                }
            } catch let error as StudyStoreError {
                throw error
            } catch {
                throw StudyStoreError.invalidLocation("the TLS settings of \(location) cannot be used: \(error)")
            }
            configuration = .init(host: location.host, port: location.port, username: location.user, password: password,
                                  database: location.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(location.connectTimeout))
        configuration.options.additionalStartupParameters = [("application_name", location.applicationName)]
        return configuration
    }

    static func tls(_ location: PostgresLocation) throws -> PostgresClient.Configuration.TLS {
        let tls = try tlsConfiguration(location)
        switch location.sslMode {
        case .disable: return .disable
        case .allow, .prefer: return .prefer(tls)
        case .require, .verifyCA, .verifyFull: return .require(tls)
        }
    }

    /// The TLS configuration `sslmode`, `sslrootcert`, `sslcert` and `sslkey` describe.
    static func tlsConfiguration(_ location: PostgresLocation) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let root = location.sslRootCertificate {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root))
            }
            if let certificate = location.sslCertificate, let key = location.sslKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw StudyStoreError.invalidLocation("the TLS files of \(location) cannot be read: \(error)")
        }
        switch location.sslMode {
        case .disable, .allow, .prefer:
            tls.certificateVerification = .none
        case .require:
            // libpq: with a root certificate given, `require` verifies the chain as `verify-ca` does.
            tls.certificateVerification = location.sslRootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        return tls
    }
}
