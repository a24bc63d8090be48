package dev.migscope.device;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MigrationStreamTest {

    /** The javadoc's promise: what a kernel read handler returns, -ENOMSG (Errno is checked against C). */
    @Test
    void enomsgIsTheNegatedErrnoAndNoByteCount() {
        assertThat(MigrationStream.ENOMSG).isEqualTo(-Errno.ENOMSG.number()).isNegative();
    }
}
