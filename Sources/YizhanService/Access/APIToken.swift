import YizhanCore

/// One entry of the config file's `api_tokens`: a name for logs, the SHA-256 of the token (never
/// the token itself: a leaked config file gives no access), and its scope.
///
///     api_tokens: [
///       {name: "hohhot-duty", sha256: "<64 hex digits from `yizhan hash-token`>",
///        role: "operator", leagues: ["150100"]},
///       {name: "auditor", sha256: "…", role: "read", leagues: "all"},
///     ]
struct APIToken: Sendable, Equatable {
    let name: String
    /// Lower-case hex of SHA-256 over the token's UTF-8 bytes.
    let sha256: String
    let scope: AccessScope

    /// Parses the list, each problem naming the entry (`api_tokens[2].role: …`).
    static func parseList(_ value: ConfigValue) throws(ConfigValue.Problem) -> [APIToken] {
        guard case .list(let items) = value else {
            throw ConfigValue.Problem(message: "expected a list of {name, sha256, role, leagues}")
        }
        var tokens: [APIToken] = []
        for (i, item) in items.enumerated() {
            func problem(_ what: String) -> ConfigValue.Problem { ConfigValue.Problem(message: "entry \(i): \(what)") }
            guard case .object(let fields) = item else { throw problem("expected an object {name, sha256, role, leagues}") }
            if let unknown = fields.keys.sorted().first(where: { !["name", "sha256", "role", "leagues"].contains($0) }) {
                throw problem("unknown field \"\(unknown)\" (known: name, sha256, role, leagues)")
            }
            let name: String
            do { name = try (fields["name"] ?? .null).string() } catch { throw problem("name: \(error.message)") }
            guard case .string(let hash)? = fields["sha256"], hash.utf8.count == 64,
                  hash.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }) else {
                throw problem("sha256: expected 64 hex digits (the output of `yizhan hash-token`), never the token itself")
            }
            guard case .string(let roleText)? = fields["role"], let role = roleText == "read" ? AccessScope.Role.read
                    : roleText == "operator" ? .operator : nil else {
                throw problem("role: expected \"read\" or \"operator\"")
            }
            let leagues: Set<String>?
            switch fields["leagues"] {
            case .string("all")?: leagues = nil
            case .list(let codes)?:
                var set = Set<String>()
                for code in codes {
                    guard case .string(let c) = code, StationTopic.isRegionCode(c) else {
                        throw problem("leagues: expected \"all\" or a list of six-digit region codes such as [\"150100\"]")
                    }
                    set.insert(c)
                }
                guard !set.isEmpty else { throw problem("leagues: an empty list would see nothing; give codes or \"all\"") }
                leagues = set
            default:
                throw problem("leagues: expected \"all\" or a list of six-digit region codes such as [\"150100\"]")
            }
            if tokens.contains(where: { $0.name == name }) { throw problem("name: \"\(name)\" is used twice") }
            if tokens.contains(where: { $0.sha256 == hash.lowercased() }) { throw problem("sha256: the same token is listed twice") }
            tokens.append(APIToken(name: name, sha256: hash.lowercased(), scope: AccessScope(role: role, leagues: leagues)))
        }
        return tokens
    }
}
