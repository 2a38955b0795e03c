import Foundation
import HypervisorCore

/// `apus pack`: the image pack of the guest images a (valid) configuration names.
public enum ConfigPack {
    public enum Failure: Error, Equatable {
        /// The configuration is invalid or names a missing image (exit 1).
        case invalid(CheckFailure)
        /// Unusable input or output (exit 2).
        case unusable(String)
    }

    /// Validates the configuration (as `apus check` does) and packs its images,
    /// each named image once, in the order the VMs first name them.
    public static func pack(blob: [UInt8], options: CheckOptions) -> Result<[UInt8], Failure> {
        if case .invalid(let failure) = ConfigCheck.check(blob: blob, options: options) { return .failure(.invalid(failure)) }
        let names: [String] = blob.withUnsafeBytes { raw in
            guard let loaded = try? SystemConfig.load(dtb: raw, platform: options.platform) else { return [] }
            var names: [String] = []
            for index in 0..<loaded.config.vmCount where !loaded.config.vms[index].isLinux {
                let name = loaded.fdt.text(loaded.config.vms[index].image)
                if !names.contains(name) { names.append(name) }
            }
            return names
        }
        var images: [(name: String, bytes: [UInt8])] = []
        for name in names {
            let path = (options.imagesDirectory as NSString).appendingPathComponent(name)
            do {
                images.append((name, try ConfigInput.readFile(path)))
            } catch {
                return .failure(.unusable(error.message))
            }
        }
        do {
            return .success(try ImagePackWriter.pack(images))
        } catch {
            return .failure(.unusable(error.message))
        }
    }

    /// The large-image pack of a (valid) configuration's Linux VMs; nil when it has none.
    public static func packLargeImages(blob: [UInt8], options: CheckOptions) -> Result<[UInt8]?, Failure> {
        if case .invalid(let failure) = ConfigCheck.check(blob: blob, options: options) { return .failure(.invalid(failure)) }
        return blob.withUnsafeBytes { raw -> Result<[UInt8]?, Failure> in
            guard let loaded = try? SystemConfig.load(dtb: raw, platform: options.platform) else { return .success(nil) }
            do throws(PackError) {
                return .success(try LinuxImageFiles.pack(loaded, directory: options.largeImagesDirectory))
            } catch {
                return .failure(.unusable(error.message))
            }
        }
    }
}
