import Foundation
import YizhanService

exit(YizhanCommand.run(Array(CommandLine.arguments.dropFirst())))
