import Foundation
import YizhanMQTT

/// The config's broker TLS settings (`broker_ca`, `broker_cert`, `broker_key`), checked
/// before anything connects.
enum BrokerTLS {
    static func options(_ c: ServiceConfig) -> MQTTTLS? {
        c.brokerCA.map { MQTTTLS(caFile: $0, certFile: c.brokerCert, keyFile: c.brokerKey) }
    }

    /// (setting, what is wrong): files that cannot be read, a certificate without its key.
    static func problems(_ c: ServiceConfig) -> [(String, String)] {
        var found: [(String, String)] = []
        for (setting, path) in [("broker_ca", c.brokerCA), ("broker_cert", c.brokerCert), ("broker_key", c.brokerKey)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                found.append((setting, "cannot read \(path)"))
            }
        }
        // Each problem is named by the setting that was given, so a flag is blamed as a flag.
        if c.brokerCert != nil, c.brokerKey == nil {
            found.append(("broker_cert", "needs broker_key too (the client certificate's private key)"))
        }
        if c.brokerKey != nil, c.brokerCert == nil {
            found.append(("broker_key", "needs broker_cert too (the client certificate of this key)"))
        }
        if c.brokerCA == nil, let given = c.brokerCert != nil ? "broker_cert" : c.brokerKey != nil ? "broker_key" : nil {
            found.append((given, "needs broker_ca too: TLS needs the CA that signed the broker's certificate"))
        }
        if c.brokerCA != nil, c.broker == "embedded" {
            found.append(("broker_ca", "TLS is for an external broker (mqtt://HOST:PORT); the embedded one listens on loopback only"))
        }
        return found
    }
}
