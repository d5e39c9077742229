import FirmwareSimKit
#if canImport(Glibc)
import Glibc
#endif

// Thin: everything, including argument parsing, lives in FirmwareSimKit.
exit(FirmwareSimCLI.main(Array(CommandLine.arguments.dropFirst())))
