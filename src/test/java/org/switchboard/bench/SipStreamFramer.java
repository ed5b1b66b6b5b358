package org.switchboard.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Cuts a SIP byte stream (TCP) into messages: the start line and headers up to the empty line, then as many body bytes
 * as Content-Length says ({@code l:} in compact form; none when absent). Bytes come in as the socket delivers them, a
 * message split over reads or several in one read; empty lines between messages (keep-alives) are skipped. Of each
 * message it keeps what the latency client matches a response by: the status code and the Call-ID.
 */
final class SipStreamFramer {

    /** One message: its status code (0 for a request) and its Call-ID ("" when absent). */
    record Message(int status, String callId) {
    }

    private static final byte[] END_OF_HEADERS = {'\r', '\n', '\r', '\n'};

    private byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    /** Adds bytes read from the stream. */
    void append(byte[] bytes, int offset, int length) {
        if (end + length > buffer.length) {
            System.arraycopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
            if (end + length > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(2 * buffer.length, end + length));
            }
        }
        System.arraycopy(bytes, offset, buffer, end, length);
        end += length;
    }

    /**
     * The next complete message, or null until more bytes are appended.
     *
     * @throws IllegalStateException when the stream cannot be framed (a Content-Length that is not a number)
     */
    Message next() {
        while (end - start >= 2 && buffer[start] == '\r' && buffer[start + 1] == '\n') {
            start += 2;
        }
        int headersEnd = indexOf(END_OF_HEADERS, start, end);
        if (headersEnd < 0) {
            return null;
        }
        String[] lines = new String(buffer, start, headersEnd - start, StandardCharsets.ISO_8859_1).split("\r\n");
        int contentLength = 0;
        String callId = "";
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) {
                continue; // a folded continuation line: not of the headers read here
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "content-length", "l" -> contentLength = contentLength(value);
                case "call-id", "i" -> callId = value;
                default -> { }
            }
        }
        int messageEnd = headersEnd + END_OF_HEADERS.length + contentLength;
        if (messageEnd > end) {
            return null;
        }
        start = messageEnd;
        return new Message(status(lines[0]), callId);
    }

    private static int contentLength(String value) {
        try {
            int length = Integer.parseInt(value);
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("cannot frame the stream: Content-Length " + value);
    }

    /** "SIP/2.0 200 OK" is 200; a request's start line is 0. */
    private static int status(String startLine) {
        if (!startLine.startsWith("SIP/2.0 ") || startLine.length() < 11) {
            return 0;
        }
        try {
            return Integer.parseInt(startLine.substring(8, 11));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private int indexOf(byte[] pattern, int from, int to) {
        for (int i = from; i <= to - pattern.length; i++) {
            int j = 0;
            while (j < pattern.length && buffer[i + j] == pattern[j]) {
                j++;
            }
            if (j == pattern.length) {
                return i;
            }
        }
        return -1;
    }
}
