import Foundation

/// Finds where in a config file a problem is, so error messages can name the line.
enum SourceText {
    /// The 1-based line of the first `key:` (quoted or not) in `text`.
    static func line(ofKey key: String, in text: String) -> Int? {
        var lineNo = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.drop(while: { $0 == " " || $0 == "\t" })
            for form in [key, "\"\(key)\"", "'\(key)'"] where t.hasPrefix(form) {
                let rest = t.dropFirst(form.count).drop(while: { $0 == " " || $0 == "\t" })
                if rest.hasPrefix(":") { return lineNo }
            }
            lineNo += 1
        }
        return nil
    }

    /// The line a JSON parser reported, when it did.
    static func line(ofError error: Error) -> Int? {
        let text = describe(error)
        guard let r = text.range(of: "line ") else { return nil }
        return Int(text[r.upperBound...].prefix(while: { $0.isNumber }))
    }

    static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let ctx) = error {
            let underlying = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? ctx.debugDescription
        }
        if case DecodingError.typeMismatch(_, let ctx) = error { return ctx.debugDescription }
        return "\(error)"
    }
}
