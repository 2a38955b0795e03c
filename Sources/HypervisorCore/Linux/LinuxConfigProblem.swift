// What can be wrong with a Linux VM's configuration or its images, and the
// words for each (shared by `apus check` and the hypervisor at boot).

public enum LinuxConfigProblem: Equatable, Sendable {
    /// A VM names both `kernel` and `image`.
    case kernelAndImage
    /// A Linux VM names an `entry`: it starts at the zImage.
    case entryWithKernel
    case initramfsWithoutKernel
    case nameTooLong(length: Int, limit: Int)
    case pathOutsideLargeImages
    /// A VM has a `kernel` but the hypervisor node has no `large-images` region.
    case noLargeImagesRegion
    case largeImagesOutsideRAM(PhysicalRange, ram: PhysicalRange)
    case largeImagesInsideHypervisor(PhysicalRange, reserved: PhysicalRange)
    case largeImagesOverlapVM(PhysicalRange, vm: FDTNode, vmRange: PhysicalRange)
    case memoryOverlapsGrantFrames(GuestPhysicalRange, frames: GuestPhysicalRange)
    case layout(LinuxLayoutProblem)
    /// The pack at `large-images` is missing or unusable (nothing loaded there).
    case largeImagePackUnusable(PhysicalRange, ImagePackError)
    case fileNotFound(FDTSlice)
    case notAZImage(FDTSlice)
    case emptyInitramfs(FDTSlice)
    /// A device's `compatible` is not one Apus writes a node for.
    case unsupportedDeviceCompatible(FDTSlice)
    /// A device with `compatible` belongs to a VM that is not a Linux VM.
    case deviceCompatibleOutsideLinuxVM
    case virtioDeviceOutsideVirtioRegion(region: DeviceRegion)
    case virtioDeviceNotOneTransport(PhysicalRange, window: UInt64)
    case virtioDeviceInterrupts(count: Int)

    public func write<Sink: TextSink>(to sink: inout Sink, fdt: FDT?) {
        switch self {
        case .kernelAndImage:
            sink.write("a VM boots either an Apus guest (image) or Linux (kernel), not both")
        case .entryWithKernel:
            sink.write("a Linux VM starts at its zImage (docs/LINUX.md): remove entry")
        case .initramfsWithoutKernel:
            sink.write("an initramfs needs a kernel")
        case .nameTooLong(let length, let limit):
            sink.write("name is ")
            sink.write(count: length)
            sink.write(" bytes long, the image pack allows ")
            sink.write(count: limit)
        case .pathOutsideLargeImages:
            sink.write("must be a relative path inside the large-images folder (no leading \"/\", no \"..\" or empty part)")
        case .noLargeImagesRegion:
            sink.write("a Linux VM needs the hypervisor node's large-images region (where its kernel and initramfs are loaded)")
        case .largeImagesOutsideRAM(let range, let ram):
            sink.write("large images at physical ")
            sink.write(range)
            sink.write(" are not inside RAM (")
            sink.write(ram)
            sink.write(")")
        case .largeImagesInsideHypervisor(let range, let reserved):
            sink.write("large images at physical ")
            sink.write(range)
            sink.write(" overlap the hypervisor's reserved RAM (")
            sink.write(reserved)
            sink.write(")")
        case .largeImagesOverlapVM(let range, let vm, let vmRange):
            sink.write("large images at physical ")
            sink.write(range)
            sink.write(" overlap ")
            sink.write(node: vm, fdt: fdt)
            sink.write(" (")
            sink.write(vmRange)
            sink.write(")")
        case .memoryOverlapsGrantFrames(let memory, let frames):
            sink.write("memory ")
            sink.write(memory)
            sink.write(" overlaps the grant-table frames a Linux VM sees at ")
            sink.write(frames)
        case .layout(let problem):
            switch problem {
            case .memoryTooSmall(let size, let minimum):
                sink.write("memory of ")
                sink.write(decimal: size / 1024)
                sink.write(" KiB is too small for Linux (at least ")
                sink.write(decimal: minimum / 1024)
                sink.write(" KiB)")
            case .memoryMisaligned(let base):
                sink.write("Linux needs guest memory on a 128 MiB boundary (the zImage decompresses there), not ")
                sink.write(address: base)
            case .kernelTooLarge(let size, let limit):
                sink.write("zImage of ")
                sink.write(decimal: size)
                sink.write(" bytes does not fit: ")
                sink.write(decimal: limit)
                sink.write(" bytes between the kernel's load address and the initramfs")
            case .initramfsTooLarge(let size, let limit):
                sink.write("initramfs of ")
                sink.write(decimal: size)
                sink.write(" bytes does not fit: ")
                sink.write(decimal: limit)
                sink.write(" bytes between the kernel and the device tree")
            }
        case .largeImagePackUnusable(let range, let error):
            sink.write("no usable image pack at physical ")
            sink.write(range)
            sink.write(" (the boot loader must load large-images.pack there): ")
            error.write(to: &sink)
        case .fileNotFound(let name):
            sink.write("\"")
            if let fdt { sink.write(name, of: fdt) }
            sink.write("\" not found")
        case .notAZImage(let name):
            sink.write("\"")
            if let fdt { sink.write(name, of: fdt) }
            sink.write("\" is not an ARM zImage (no magic 0x016f2818 at byte 0x24)")
        case .emptyInitramfs(let name):
            sink.write("\"")
            if let fdt { sink.write(name, of: fdt) }
            sink.write("\" is empty")
        case .unsupportedDeviceCompatible(let text):
            sink.write("\"")
            if let fdt { sink.write(text, of: fdt) }
            sink.write("\" is not a device Apus describes to Linux (only \"virtio,mmio\")")
        case .deviceCompatibleOutsideLinuxVM:
            sink.write("only a Linux VM's devices are described by compatible (an Apus guest finds its devices through its bootargs)")
        case .virtioDeviceOutsideVirtioRegion(let region):
            sink.write("\"virtio,mmio\" names a virtio-mmio transport, but the device is in ")
            sink.write(region.name)
        case .virtioDeviceNotOneTransport(let registers, let window):
            sink.write("a \"virtio,mmio\" device is one transport of ")
            sink.write(hex: window, digits: 3)
            sink.write(" bytes, not ")
            sink.write(registers)
        case .virtioDeviceInterrupts(let count):
            sink.write("a \"virtio,mmio\" device raises one interrupt (its transport's), ")
            sink.write(count: count)
            sink.write(" listed")
        }
    }
}
