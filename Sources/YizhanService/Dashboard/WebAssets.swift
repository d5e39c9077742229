import Foundation
import YizhanHTTP

/// The dashboard's files, read from disk at request time: the pages, styles and scripts of
/// the project's `web/` folder, and Leaflet from Debian's `libjs-leaflet` under the
/// JavaScript directory (`/usr/share/javascript`). Nothing is fetched from elsewhere; a
/// file that is absent gets a 404 that says where it was looked for and which package
/// provides it.
struct WebAssets: Sendable {
    /// The `web/` folder, or nil when none was found (then pages answer 404 with the reason).
    let webDirectory: String?
    /// Where Debian's JavaScript packages put their files (`libjs-leaflet` → `leaflet/`).
    let javascriptDirectory: String
    /// The map tile server's origin (`http://tiles.lan`, `https://*.tiles.example`), which the
    /// pages' Content-Security-Policy must let images come from; nil without tiles.
    var tileOrigin: String? = nil

    /// `scheme://host[:port]` of a tile URL template; Leaflet's `{s}` subdomain becomes `*`.
    static func origin(ofTileURL template: String) -> String? {
        guard let schemeEnd = template.range(of: "://") else { return nil }
        let scheme = template[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = template[schemeEnd.upperBound...]
        var host = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        host = host.replacingOccurrences(of: "{s}", with: "*")
        guard !host.isEmpty, !host.contains("{"), !host.contains(where: { $0.isWhitespace || $0 == ";" || $0 == "," }) else { return nil }
        return scheme + "://" + host
    }

    /// The libraries served under `/vendor/NAME/…`, each from `javascriptDirectory/NAME`, and
    /// the Debian package that provides it (for the 404's message).
    static let vendorPackages: [String: String] = [
        "leaflet": "libjs-leaflet",
    ]

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "mjs": "text/javascript; charset=utf-8",
        "json": "application/json",
        "geojson": "application/geo+json",
        "png": "image/png",
        "svg": "image/svg+xml",
        "ico": "image/x-icon",
        "map": "application/json",
        "txt": "text/plain; charset=utf-8",
    ]

    /// The `web/` folder: the configured one, else the first of `./web` and the `web/` beside
    /// or above the executable (`.build/debug/yizhan` → the checkout's `web/`,
    /// `/usr/local/bin/yizhan` → `/usr/local/share/yizhan/web`) that holds `index.html`.
    static func locateWebDirectory(configured: String?, executable: String = Self.executablePath()) -> String? {
        if let configured { return configured }
        var candidates = [FileManager.default.currentDirectoryPath + "/web"]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(dir.deletingLastPathComponent().appendingPathComponent("share/yizhan/web").path)
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("web").path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/index.html") }
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// A page of the dashboard (`index.html`, `station.html`), never cached so an upgrade shows at once.
    func page(_ name: String) -> HTTPResponse {
        guard let webDirectory else {
            return .text(404, "The dashboard's files (web/) were not found: set web_dir in the config file "
                         + "to the folder holding index.html (the checkout's web/ folder).\n")
        }
        var response = file(webDirectory + "/" + name, cache: "no-cache", missing: "not found: \(name) in \(webDirectory)")
        if response.status == 200 {
            let policy = ContentSecurityPolicy(imageSources: tileOrigin.map { [$0] } ?? [])
            response.headers.append((SecurityHeaders.contentSecurityPolicy, policy.headerValue))
            response.headers.append(("Referrer-Policy", "no-referrer"))
        }
        return response
    }

    /// `/static/PATH` → `web/PATH`.
    func staticFile(_ segments: [String]) -> HTTPResponse {
        guard let webDirectory else { return .text(404, "no web/ directory configured (web_dir)\n") }
        guard let rel = Self.safeRelativePath(segments) else { return .text(404, "not found\n") }
        return file(webDirectory + "/" + rel, cache: "no-cache", missing: "not found: \(rel) in \(webDirectory)")
    }

    /// `/vendor/NAME/PATH` → `javascriptDirectory/NAME/PATH` (Debian's packaged libraries).
    func vendorFile(_ segments: [String]) -> HTTPResponse {
        guard let name = segments.first, let package = Self.vendorPackages[name],
              let rel = Self.safeRelativePath(Array(segments.dropFirst())) else {
            return .text(404, "not found\n")
        }
        let path = javascriptDirectory + "/" + name + "/" + rel
        return file(path, cache: "public, max-age=86400",
                    missing: "not found: \(path) (install the Debian package \(package), or set javascript_dir)")
    }

    /// Only plain names: no `..`, no hidden files, no empty segments.
    static func safeRelativePath(_ segments: [String]) -> String? {
        guard !segments.isEmpty else { return nil }
        for s in segments {
            guard !s.isEmpty, !s.hasPrefix("."), !s.contains("\\"), !s.contains("\0") else { return nil }
        }
        return segments.joined(separator: "/")
    }

    private func file(_ path: String, cache: String, missing: String) -> HTTPResponse {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else {
            WebAssets.logMissing(missing)
            return .text(404, missing + "\n")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        let type = Self.contentTypes[ext] ?? "application/octet-stream"
        return HTTPResponse(status: 200, contentType: type, body: [UInt8](data),
                            headers: [("Cache-Control", cache), ("X-Content-Type-Options", "nosniff")])
    }

    /// Each missing file is logged once, not on every request.
    private static let logged = Mutexed<Set<String>>([])
    static func logMissing(_ message: String) {
        let first = logged.update { $0.insert(message).inserted }
        if first { Log.line("dashboard: \(message)") }
    }
}
