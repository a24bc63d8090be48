package dev.migscope.stream;

/**
 * Where one DATA_STATE payload lies in the stream: what {@code stream extract} copies out.
 *
 * @param offset the payload's first byte (after the marker and the size)
 */
public record DataBlock(long offset, long size, Pass.Phase phase, int pass) {
}
