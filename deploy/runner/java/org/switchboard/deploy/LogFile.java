package org.switchboard.deploy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reading what a process wrote to its log since a point: {@code deploy/pool} waits for lines of its instances and Kamailio. */
final class LogFile {

    private LogFile() {
    }

    /** The log's size now, or 0 when it does not exist yet. */
    static long size(Path log) throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /** The text written to {@code log} after {@code offset} bytes; empty when the file does not exist yet. */
    static String textFrom(Path log, long offset) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        try (SeekableByteChannel channel = Files.newByteChannel(log, StandardOpenOption.READ)) {
            long length = channel.size() - offset;
            if (length <= 0) {
                return "";
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(length, Integer.MAX_VALUE - 8));
            channel.position(offset);
            while (bytes.hasRemaining() && channel.read(bytes) > 0) {
                // read to the end as it is now
            }
            return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
        }
    }
}
