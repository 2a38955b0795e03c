import Foundation
import HypervisorCore

/// What `apus check` needs besides the configuration itself.
public struct CheckOptions {
    /// Where the guest images a configuration names are looked up.
    public var imagesDirectory: String
    /// RAM of the machine in MiB (QEMU's `-m`).
    public var ramMiB: Int
    /// The machine the system is built for (`--platform`).
    public var platformKind: PlatformKind
    /// Where Linux VMs' kernels and initramfs are looked up (docs/LINUX.md).
    public var largeImagesDirectory: String
    /// Physical CPUs the machine runs (`--smp`, QEMU's -smp; nil: the platform's most).
    public var smp: Int?

    public init(imagesDirectory: String = "build/guests", ramMiB: Int = 256, platform: PlatformKind = .vexpressA15,
                largeImagesDirectory: String = "build/linux", smp: Int? = nil) {
        self.smp = smp
        self.imagesDirectory = imagesDirectory
        self.ramMiB = ramMiB
        platformKind = platform
        self.largeImagesDirectory = largeImagesDirectory
    }

    public var platform: Platform { platformKind.platform(ramSize: UInt64(max(ramMiB, 0)) * 1024 * 1024) }
    /// The CPUs VCPUs may be on.
    public var cpus: Int { min(smp ?? Platform.maximumCPUs, Platform.maximumCPUs) }
}

/// A VM's image as `apus check` found it: file size, and the bytes it uses
/// running (its header's footprint: with BSS and stacks).
struct ImageFacts {
    var size: Int
    var footprint: Int
}

/// The first thing wrong with a configuration, as the core reported it, with
/// the node's path resolved and the whole message rendered.
public struct CheckFailure: Error, Equatable {
    public var nodePath: String?
    public var property: ConfigProperty?
    public var reason: ConfigErrorReason
    /// `/node: property "x": reason` (no file name).
    public var message: String
}

public enum CheckOutcome: Equatable {
    /// The configuration is valid; the summary to print.
    case valid(summary: String)
    case invalid(CheckFailure)
}

/// `apus check`: the hypervisor's own validation (HypervisorCore) run on the host,
/// plus the checks only the host can make (image files exist and fit).
public enum ConfigCheck {
    /// Checks the configuration file at `path` (.dts compiled with dtc, or .dtb).
    public static func check(path: String, options: CheckOptions) throws(ConfigInputError) -> CheckOutcome {
        check(blob: try ConfigInput.deviceTreeBlob(path: path), options: options)
    }

    /// The physical CPUs the configuration's VCPUs are on (make's default SMP),
    /// or nil when it does not read as a configuration (`check` says why).
    public static func cpusUsed(path: String) throws(ConfigInputError) -> Int? {
        let blob = try ConfigInput.deviceTreeBlob(path: path)
        return blob.withUnsafeBytes { raw -> Int? in
            guard let fdt = try? FDT(raw), let config = try? SystemConfig.read(from: fdt) else { return nil }
            return config.cpusUsed
        }
    }

    /// Checks a compiled configuration.
    public static func check(blob: [UInt8], options: CheckOptions) -> CheckOutcome {
        blob.withUnsafeBytes { raw -> CheckOutcome in
            let loaded: LoadedConfig
            do throws(ConfigError) {
                loaded = try SystemConfig.load(dtb: raw, platform: options.platform, cpus: options.cpus)
            } catch {
                return .invalid(failure(error, fdt: try? FDT(raw)))
            }
            do throws(ConfigError) {
                let images = try imageFacts(loaded, options: options)
                return .valid(summary: ConfigSummary.text(loaded, images: images, options: options))
            } catch {
                var result = failure(error, fdt: loaded.fdt)
                if case .imageNotFound = error.reason { result.message += " in \(options.imagesDirectory)" }
                if case .linux(.fileNotFound) = error.reason { result.message += " in \(options.largeImagesDirectory)" }
                return .invalid(result)
            }
        }
    }

    /// The size of each VM's image file; missing files and images that do not fit
    /// their VM (size, header, footprint, entry) are configuration errors,
    /// reported exactly as the hypervisor would. A Linux VM's kernel and
    /// initramfs are checked by LinuxImageFiles.
    static func imageFacts(_ loaded: LoadedConfig, options: CheckOptions) throws(ConfigError) -> [ImageFacts] {
        let directory = options.imagesDirectory
        var facts: [ImageFacts] = []
        for index in 0..<loaded.config.vmCount {
            let vm = loaded.config.vms[index]
            if vm.isLinux {
                let size = try LinuxImageFiles.check(loaded, vm: index, directory: options.largeImagesDirectory).kernelSize
                facts.append(ImageFacts(size: size, footprint: size))
                continue
            }
            let path = (directory as NSString).appendingPathComponent(loaded.fdt.text(vm.image))
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  let size = (attributes[.size] as? NSNumber)?.intValue else {
                throw ConfigError(node: vm.node, property: .image, reason: .imageNotFound(vm.image))
            }
            let start = FileHandle(forReadingAtPath: path).map { handle in
                defer { try? handle.close() }
                return (try? handle.read(upToCount: GuestImageHeader.size)) ?? Data()
            } ?? Data()
            let failure: ConfigError? = [UInt8](start).withUnsafeBytes { raw in
                do throws(ConfigError) {
                    try loaded.config.checkImage(start: raw, size: size, ofVM: index)
                    return nil
                } catch { return error }
            }
            if let failure { throw failure }
            let footprint = [UInt8](start).withUnsafeBytes { GuestImageHeader($0)?.footprint } ?? 0
            facts.append(ImageFacts(size: size, footprint: Int(footprint)))
        }
        return facts
    }

    static func failure(_ error: ConfigError, fdt: FDT?) -> CheckFailure {
        var path: String?
        if let node = error.node, let fdt { path = fdt.path(of: node) }
        return CheckFailure(nodePath: path, property: error.property, reason: error.reason,
                            message: StringSink.render { error.write(to: &$0, fdt: fdt) })
    }
}
