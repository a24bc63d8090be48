package dev.migscope.testsupport;

import dev.migscope.device.MigrationFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A real file channel on a disk that fills up: once {@code capacity} bytes were written, writes
 * fail as the kernel's write(2) does with ENOSPC.
 */
public final class FullDiskChannel extends FileChannel {

    private final Path path;
    private final FileChannel real;
    private final long capacity;
    private long written;

    private FullDiskChannel(Path path, FileChannel real, long capacity) {
        this.path = path;
        this.real = real;
        this.capacity = capacity;
    }

    /** An opener whose files fail after {@code capacity} bytes. */
    public static MigrationFile.ChannelOpener opener(long capacity) {
        return p -> new FullDiskChannel(p,
                FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ),
                capacity);
    }

    private int admit(ByteBuffer src) throws IOException {
        long room = capacity - written;
        if (room <= 0 && src.hasRemaining()) {
            throw new FileSystemException(path.toString(), null, "No space left on device");
        }
        return (int) Math.min(room, src.remaining());
    }

    private static ByteBuffer slice(ByteBuffer src, int n) {
        ByteBuffer s = src.duplicate();
        s.limit(s.position() + n);
        return s;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int n = admit(src);
        ByteBuffer s = slice(src, n);
        int w = real.write(s);
        src.position(src.position() + w);
        written += w;
        return w;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int n = admit(src);
        ByteBuffer s = slice(src, n);
        int w = real.write(s, position);
        src.position(src.position() + w);
        written += w;
        return w;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        real.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        real.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        real.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return real.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new UnsupportedOperationException("not used by MigrationFile");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException("not used by MigrationFile");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        real.close();
    }
}
