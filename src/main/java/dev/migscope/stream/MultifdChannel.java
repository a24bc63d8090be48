package dev.migscope.stream;

import dev.migscope.device.Visible;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts what one multifd channel carries as its bytes pass the tap (migration/multifd.h): the
 * MultiFDInit_t (magic 0x11223344, version, the source's UUID, the channel id), then packets,
 * each a MultiFDPacketHdr_t (magic, version, flags) and either RAM (MultiFDPacket_t and its page
 * offsets, then next_packet_size bytes of pages) or, with MULTIFD_FLAG_DEVICE_STATE, a device's
 * state (QEMU 10's multifd device state: MultiFDPacketDeviceState_t naming the section, then
 * next_packet_size bytes) — how QEMU moves a VFIO device's data off the main channel. Only the
 * headers are read; the payloads are counted. A header that does not parse stops the counting
 * (the bytes are still forwarded and counted).
 */
public final class MultifdChannel {

    static final long MAGIC = 0x11223344L;
    private static final int INIT = 64;
    private static final int HDR = 12;
    private static final int FLAG_DEVICE_STATE = 32 << 1;
    private static final int FLAG_SYNC = 1;
    /** sizeof(MultiFDPacket_t): the header, five counters, reserved words and the RAM block name. */
    private static final int RAM_PACKET = 320;
    /** sizeof(MultiFDPacketDeviceState_t): the header, idstr[256], instance_id, next_packet_size. */
    private static final int DEVICE_PACKET = 276;
    /** QEMU sends MULTIFD_PACKET_SIZE / page size offsets (128 for 4 KiB pages); a 64 KiB page still fits. */
    private static final int MAX_PAGES_ALLOC = 1 << 16;
    /** More device sections than a machine holds are counted together. */
    private static final int MAX_DEVICES = 256;

    private final byte[] header = new byte[RAM_PACKET + 8 * MAX_PAGES_ALLOC];
    private int have;
    private int need = INIT;
    private long skip;
    private boolean init = true;
    private int id = -1;
    private long bytes;
    private long ramPackets;
    private long pages;
    private long zeroPages;
    private long syncs;
    private long deviceStatePackets;
    private final Map<String, Long> deviceStateBytes = new LinkedHashMap<>();
    private String stopped;

    MultifdChannel() {
    }

    /** Counts the chunk's bytes (position..limit, left unchanged). */
    synchronized void feed(ByteBuffer chunk) {
        ByteBuffer b = chunk.duplicate();
        bytes += b.remaining();
        while (b.hasRemaining() && stopped == null) {
            if (skip > 0) {
                int n = (int) Math.min(skip, b.remaining());
                b.position(b.position() + n);
                skip -= n;
                continue;
            }
            int n = Math.min(need - have, b.remaining());
            b.get(header, have, n);
            have += n;
            if (have == need) {
                parsed();
            }
        }
    }

    private void parsed() {
        ByteBuffer h = ByteBuffer.wrap(header, 0, have);
        if (init) {
            long magic = h.getInt() & 0xffffffffL;
            if (magic != MAGIC) {
                stopped = "no MultiFDInit_t (magic 0x" + Long.toHexString(magic) + ")";
                return;
            }
            id = header[24] & 0xff;
            init = false;
            next(HDR);
            return;
        }
        long magic = h.getInt(0) & 0xffffffffL;
        int flags = h.getInt(8);
        if (magic != MAGIC) {
            stopped = "a packet without the multifd magic (0x" + Long.toHexString(magic) + ") after "
                    + (ramPackets + deviceStatePackets) + " packets";
            return;
        }
        boolean device = (flags & FLAG_DEVICE_STATE) != 0;
        if (have == HDR) {
            need = device ? DEVICE_PACKET : RAM_PACKET;
            return;
        }
        if (device) {
            deviceStatePackets++;
            String idstr = cString(header, HDR, 256);
            long size = h.getInt(HDR + 256 + 4) & 0xffffffffL;
            if (deviceStateBytes.size() < MAX_DEVICES || deviceStateBytes.containsKey(idstr)) {
                deviceStateBytes.merge(idstr, size, Long::sum);
            }
            done(size);
            return;
        }
        if (have == RAM_PACKET) {
            long alloc = h.getInt(HDR) & 0xffffffffL;
            if (alloc > MAX_PAGES_ALLOC) {
                stopped = "a RAM packet announcing " + alloc + " pages";
                return;
            }
            if (alloc > 0) {
                need = RAM_PACKET + 8 * (int) alloc;
                return;
            }
        }
        if ((flags & FLAG_SYNC) != 0) {
            syncs++;
        }
        ramPackets++;
        pages += h.getInt(HDR + 4) & 0xffffffffL;
        zeroPages += h.getInt(HDR + 20) & 0xffffffffL;
        done(h.getInt(HDR + 8) & 0xffffffffL);
    }

    private void done(long payload) {
        skip = payload;
        next(HDR);
    }

    private void next(int n) {
        have = 0;
        need = n;
    }

    private static String cString(byte[] b, int from, int max) {
        int end = from;
        while (end < from + max && b[end] != 0) {
            end++;
        }
        return new String(b, from, end - from, StandardCharsets.ISO_8859_1);
    }

    /** What one multifd channel carried. */
    public record Counts(int id, long bytes, long ramPackets, long pages, long zeroPages, long syncs,
            long deviceStatePackets, Map<String, Long> deviceStateBytes, String stopped) {

        public String text() {
            StringBuilder sb = new StringBuilder("multifd channel ").append(id < 0 ? "?" : String.valueOf(id))
                    .append(": ").append(String.format(java.util.Locale.ROOT, "%,d", bytes)).append(" bytes, ")
                    .append(ramPackets).append(" RAM packets (").append(pages).append(" pages, ")
                    .append(zeroPages).append(" zero)");
            if (deviceStatePackets > 0) {
                sb.append(", ").append(deviceStatePackets).append(" device-state packets (")
                        .append(String.join(", ", deviceStateBytes.entrySet().stream()
                                .map(e -> Visible.of(e.getKey()) + " " + e.getValue() + " bytes").toList()))
                        .append(")");
            }
            if (stopped != null) {
                sb.append("; counting stopped: ").append(stopped);
            }
            return sb.toString();
        }
    }

    synchronized Counts counts() {
        return new Counts(id, bytes, ramPackets, pages, zeroPages, syncs, deviceStatePackets,
                Map.copyOf(deviceStateBytes), stopped);
    }
}
