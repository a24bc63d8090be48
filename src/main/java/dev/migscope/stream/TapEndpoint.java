package dev.migscope.stream;

import dev.migscope.device.Visible;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One end of a tap, in QEMU's URI spelling: {@code unix:PATH} or {@code tcp:HOST:PORT} (a
 * bracketed IPv6 host, {@code tcp:[::1]:4444}). The tap listens on one and connects to the other,
 * as QEMU's {@code migrate} and {@code -incoming} do.
 */
public record TapEndpoint(String uri, Path path, String host, int port) {

    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int MAX_URI = 4096;

    /** Parses QEMU's spelling; IllegalArgumentException with a sentence for anything else. */
    public static TapEndpoint parse(String uri) {
        if (uri.length() > MAX_URI) {
            throw new IllegalArgumentException("a URI of " + uri.length() + " characters");
        }
        if (uri.startsWith("unix:")) {
            String p = uri.substring("unix:".length());
            if (p.isEmpty()) {
                throw new IllegalArgumentException("'" + Visible.of(uri) + "' names no socket path (unix:PATH)");
            }
            return new TapEndpoint(uri, Path.of(p), null, -1);
        }
        if (uri.startsWith("tcp:")) {
            String rest = uri.substring("tcp:".length());
            int colon = rest.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + Visible.of(uri) + "' has no port (tcp:HOST:PORT)");
            }
            String host = rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("'" + Visible.of(uri) + "' has no port 0-65535 (tcp:HOST:PORT)");
            }
            return new TapEndpoint(uri, null, host.isEmpty() ? "0.0.0.0" : host, port);
        }
        throw new IllegalArgumentException("'" + Visible.of(uri) + "' is neither unix:PATH nor tcp:HOST:PORT "
                + "(the transports a tap forwards)");
    }

    private SocketAddress address() {
        return path != null ? UnixDomainSocketAddress.of(path) : new InetSocketAddress(host, port);
    }

    /**
     * Listens here. A UNIX socket path that exists is refused (it may be another listener's);
     * {@link #unlink()} removes the one the tap made.
     */
    public ServerSocketChannel listen() throws IOException {
        if (path != null) {
            if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(path + " exists: remove it, or choose another path (a tap makes its own socket)");
            }
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(address());
            return s;
        }
        ServerSocketChannel s = ServerSocketChannel.open();
        s.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
        s.bind(address());
        return s;
    }

    /** The port a {@code tcp:HOST:0} listener was given, for messages and tests. */
    public TapEndpoint bound(ServerSocketChannel s) throws IOException {
        if (path != null || port != 0) {
            return this;
        }
        int p = ((InetSocketAddress) s.getLocalAddress()).getPort();
        return new TapEndpoint("tcp:" + host + ":" + p, null, host, p);
    }

    /** Connects here, within 10 s. */
    public SocketChannel connect() throws IOException {
        if (path != null) {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(address());
            } catch (IOException e) {
                c.close();
                throw e;
            }
            return c;
        }
        SocketChannel c = SocketChannel.open();
        try {
            c.socket().connect(address(), CONNECT_TIMEOUT_MS);
            c.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Removes the UNIX socket this tap listened on. */
    void unlink() {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a directory made read-only under us: the socket file stays, harmless
            }
        }
    }

    @Override
    public String toString() {
        return Visible.of(uri);
    }
}
