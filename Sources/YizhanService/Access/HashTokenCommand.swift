import Foundation
import YizhanCore

/// `yizhan hash-token [TOKEN]`: the SHA-256 hex an admin puts in `api_tokens` (the service
/// never stores the token). Without TOKEN it reads one line from stdin, so the token need not
/// appear in the shell's history or the process list.
enum HashTokenCommand {
    static func run(_ args: [String]) -> Int32 {
        guard args.count <= 1 else {
            FileHandle.standardError.write(Data("yizhan hash-token: give one token, or none to read it from stdin\n".utf8))
            return 2
        }
        var token = args.first ?? (readLine(strippingNewline: true) ?? "")
        if token.hasSuffix("\r") { token.removeLast() }
        guard !token.isEmpty else {
            FileHandle.standardError.write(Data("yizhan hash-token: empty token\n".utf8))
            return 2
        }
        if token.utf8.count < 16 {
            FileHandle.standardError.write(Data("yizhan hash-token: warning: a token of \(token.utf8.count) bytes is easy to guess; use 32 random characters (e.g. openssl rand -hex 16)\n".utf8))
        }
        print(SHA256.hex(token))
        return 0
    }
}
