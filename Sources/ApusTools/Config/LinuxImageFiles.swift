import Foundation
import HypervisorCore

/// A Linux VM's kernel and initramfs files on the host: found, checked with
/// the hypervisor's own rules (zImage header, layout), and packed into the
/// large-image pack the boot loader puts at `large-images` (docs/LINUX.md).
public enum LinuxImageFiles {
    public struct Checked {
        public var kernelSize: Int
        public var initramfsSize: Int?
        public var layout: LinuxGuestLayout
    }

    static func read(_ name: FDTSlice, of vm: VMConfig, property: ConfigProperty, fdt: FDT, directory: String) throws(ConfigError) -> [UInt8] {
        let path = (directory as NSString).appendingPathComponent(fdt.text(name))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(node: vm.node, property: property, reason: .linux(.fileNotFound(name)))
        }
        return [UInt8](data)
    }

    /// The VM's images exist, the kernel is a zImage, and both fit its memory.
    public static func check(_ loaded: LoadedConfig, vm index: Int, directory: String) throws(ConfigError) -> Checked {
        let vm = loaded.config.vms[index]
        let kernel = try read(vm.kernel, of: vm, property: .kernel, fdt: loaded.fdt, directory: directory)
        var initramfsSize: Int? = nil
        if vm.initramfs.count > 0 {
            initramfsSize = try read(vm.initramfs, of: vm, property: .initramfs, fdt: loaded.fdt, directory: directory).count
        }
        let result: Result<LinuxGuestLayout, ConfigError> = kernel.withUnsafeBytes { bytes in
            do throws(ConfigError) {
                return .success(try loaded.config.linuxLayout(ofVM: index, kernel: bytes, initramfsSize: initramfsSize))
            } catch {
                return .failure(error)
            }
        }
        let layout = try result.get()
        return Checked(kernelSize: kernel.count, initramfsSize: initramfsSize, layout: layout)
    }

    /// The large-image pack of every Linux VM's kernel and initramfs (each
    /// name once), or nil when the configuration has no Linux VM.
    public static func pack(_ loaded: LoadedConfig, directory: String) throws(PackError) -> [UInt8]? {
        var names: [String] = []
        for index in 0..<loaded.config.vmCount where loaded.config.vms[index].isLinux {
            let vm = loaded.config.vms[index]
            for slice in [vm.kernel, vm.initramfs] where slice.count > 0 {
                let name = loaded.fdt.text(slice)
                if !names.contains(name) { names.append(name) }
            }
        }
        if names.isEmpty { return nil }
        var images: [(name: String, bytes: [UInt8])] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { throw PackError(message: "\(path): cannot read the file") }
            images.append((name, [UInt8](data)))
        }
        let pack = try ImagePackWriter.pack(images)
        if let region = loaded.config.largeImages, UInt64(pack.count) > region.size {
            throw PackError(message: "the large-image pack is \(pack.count) bytes, large-images holds \(region.size)")
        }
        return pack
    }
}
