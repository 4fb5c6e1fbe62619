package dev.tokenmix.core.io.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The bytes a pickle is read from, with the position and the count of bytes left known exactly, so that every
 * length the pickle declares is checked against what the file holds before anything is allocated. Reads a byte
 * array (a zip checkpoint's {@code data.pkl}) or a region of an open file (a legacy checkpoint, buffered).
 */
final class PickleInput extends InputStream {
    private final FileChannel channel;
    private final byte[] buf;
    private final long end;
    /** File position of buf[0]. */
    private long bufStart;
    private int bufLen;
    private long pos;

    private PickleInput(FileChannel channel, byte[] buf, long start, long end, int bufLen) {
        this.channel = channel;
        this.buf = buf;
        this.end = end;
        this.bufStart = start;
        this.bufLen = bufLen;
        this.pos = start;
    }

    static PickleInput of(byte[] bytes) {
        return new PickleInput(null, bytes, 0, bytes.length, bytes.length);
    }

    /** The file from {@code start} to its end, through a buffer; the channel stays the caller's to close. */
    static PickleInput of(FileChannel channel, long start, long end) {
        return new PickleInput(channel, new byte[1 << 16], start, end, 0);
    }

    long position() {
        return pos;
    }

    long remaining() {
        return end - pos;
    }

    /** Throws unless {@code n} more bytes exist. */
    void require(long n, String what) {
        if (n < 0 || n > remaining()) {
            throw new CheckpointProblem(what + " of " + n + " bytes at byte " + pos + " runs past the end of the data"
                    + " (" + remaining() + " bytes left); the file is truncated or corrupt");
        }
    }

    @Override
    public int read() throws IOException {
        if (pos >= end) {
            return -1;
        }
        if (!fill()) {
            return -1;
        }
        return buf[(int) (pos++ - bufStart)] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos >= end || !fill()) {
            return -1;
        }
        int avail = (int) Math.min(bufStart + bufLen - pos, len);
        System.arraycopy(buf, (int) (pos - bufStart), b, off, avail);
        pos += avail;
        return avail;
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, remaining()));
        pos += k;
        return k;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, remaining());
    }

    /** Makes pos fall inside the buffer; false if the file has no more bytes. */
    private boolean fill() throws IOException {
        if (pos < bufStart + bufLen && pos >= bufStart) {
            return true;
        }
        if (channel == null) {
            return false;
        }
        bufStart = pos;
        bufLen = 0;
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, end - pos));
        while (bb.hasRemaining()) {
            int n = channel.read(bb, bufStart + bb.position());
            if (n < 0) {
                break;
            }
        }
        bufLen = bb.position();
        return bufLen > 0;
    }
}
