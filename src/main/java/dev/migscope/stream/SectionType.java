package dev.migscope.stream;

import java.util.Optional;

/** The section bytes of savevm.c (QEMU_VM_SECTION_*) and QEMU_VM_COMMAND, as a stream lists them. */
public enum SectionType {
    START(0x01), PART(0x02), END(0x03), FULL(0x04), COMMAND(0x08);

    static final int EOF = 0x00;
    static final int SUBSECTION = 0x05;
    static final int VMDESCRIPTION = 0x06;
    static final int CONFIGURATION = 0x07;
    static final int FOOTER = 0x7e;

    final int code;

    SectionType(int code) {
        this.code = code;
    }

    static Optional<SectionType> of(int code) {
        for (SectionType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** START and FULL carry the section's name, instance and version; PART and END only its id. */
    boolean named() {
        return this == START || this == FULL;
    }
}
