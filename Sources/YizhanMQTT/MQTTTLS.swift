/// TLS settings of a client: the CA file that signed the broker's certificate, and the client's
/// own certificate and key (PEM) for a broker that requires one.
public struct MQTTTLS: Sendable, Equatable {
    public var caFile: String
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }
}
