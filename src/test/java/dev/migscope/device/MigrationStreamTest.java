package dev.migscope.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class MigrationStreamTest {

    /** The javadoc's promise: what a kernel read handler returns, -ENOMSG (Errno is checked against C). */
    @Test
    void enomsgIsTheNegatedErrnoAndNoByteCount() {
        assertThat(MigrationStream.ENOMSG).isEqualTo(-Errno.ENOMSG.number()).isNegative();
    }

    /** allocateDirect alone starts 16 bytes into a page here; the data path needs a page boundary. */
    @Test
    void alignedBufferStartsOnAPageBoundaryWithTheAskedCapacity() {
        for (int size : new int[] {1, 4096, 64 << 10, 1 << 20, (1 << 20) + 3}) {
            ByteBuffer b = MigrationStream.alignedBuffer(size);
            assertThat(b.isDirect()).isTrue();
            assertThat(b.position()).isZero();
            assertThat(b.capacity()).isEqualTo(size);
            assertThat(b.limit()).isEqualTo(size);
            assertThat(Pointer.nativeValue(Native.getDirectBufferPointer(b)) % 4096).as("size %d", size).isZero();
        }
    }
}
