// Allocation-free formatted output: text, decimal and hexadecimal, written a
// byte at a time into any sink. The hypervisor's console is one sink (the
// UART); host tests use a byte array. Numbers are formatted into a small
// on-stack buffer, never into a String.

/// Something that accepts output bytes.
public protocol TextSink {
    mutating func write(byte: UInt8)
}

extension TextSink {
    public mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { bytes in
            for byte in bytes { write(byte: byte) }
        }
    }

    public mutating func newline() { write(byte: 0x0A) }

    /// Unsigned decimal, no padding.
    public mutating func write(decimal value: UInt64) {
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var count = 0
        var rest = value
        repeat {
            digits[count] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            count += 1
            rest /= 10
        } while rest != 0
        while count > 0 {
            count -= 1
            write(byte: digits[count])
        }
    }

    /// Signed decimal.
    public mutating func write(signed value: Int64) {
        if value < 0 {
            write(byte: 0x2D)  // "-"
            write(decimal: value.magnitude)
        } else {
            write(decimal: UInt64(value))
        }
    }

    /// `0x` and exactly `digits` hexadecimal digits (1...16), most significant first.
    public mutating func write(hex value: UInt64, digits: Int = 8) {
        var remaining = min(max(digits, 1), 16)
        write("0x")
        while remaining > 0 {
            remaining -= 1
            let shift = UInt64(clampingNonNegative: remaining * 4)
            let nibble = UInt8(truncatingIfNeeded: (value &>> shift) & 0xF)
            write(byte: nibble < 10 ? nibble &+ 0x30 : nibble &+ 0x57)
        }
    }

    /// `0x` and eight hexadecimal digits.
    public mutating func write(hex value: UInt32) { write(hex: UInt64(widening: value), digits: 8) }

    /// Unsigned decimal of a 32-bit value.
    public mutating func write(decimal value: UInt32) { write(decimal: UInt64(widening: value)) }

    /// `label: 0x........` on its own line, indented: the shape of register dumps.
    public mutating func field(_ label: StaticString, hex value: UInt32) {
        write("  ")
        write(label)
        write(": ")
        write(hex: value)
        newline()
    }

    /// `label: decimal` on its own line, indented.
    public mutating func field(_ label: StaticString, decimal value: UInt64) {
        write("  ")
        write(label)
        write(": ")
        write(decimal: value)
        newline()
    }
}
