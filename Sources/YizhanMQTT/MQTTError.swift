import CMosquitto

/// A libmosquitto call that failed, with the library's code and text.
public struct MQTTError: Error, CustomStringConvertible, Equatable {
    public let operation: String
    public let code: Int32
    public let message: String

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: mosquitto_strerror(code))
    }

    public init(operation: String, message: String) {
        self.operation = operation
        self.code = -1
        self.message = message
    }

    public var description: String { "\(operation): \(message) (mosquitto rc \(code))" }

    static func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(MQTTError) {
        if rc != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError(operation: operation(), code: rc) }
    }
}
