package org.switchboard.deploy.tcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The 400 for a request the stack could not parse, made from the request's raw head: the status line, then the
 * request's Via, From, To, Call-ID and CSeq lines as they came (RFC 3261 §8.2.6.2; a To tag is added when there is
 * none), no body. There is none for a response, an ACK (never answered) or a request lacking one of those headers.
 */
final class BadRequestReply {

    private BadRequestReply() {
    }

    /**
     * @param head    the request line and header lines, as the stack read them (its line reader drops the CRs)
     * @param problem what could not be parsed, for the reason phrase
     */
    static Optional<String> to(String head, String problem) {
        String[] lines = head.split("\r?\n");
        String first = lines[0].trim();
        if (first.isEmpty() || first.startsWith("SIP/") || first.regionMatches(true, 0, "ACK ", 0, 4)) {
            return Optional.empty();
        }
        List<String> vias = new ArrayList<>();
        String from = null;
        String to = null;
        String callId = null;
        String cseq = null;
        for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
            String line = lines[i];
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            switch (line.substring(0, colon).trim().toLowerCase(Locale.ROOT)) {
                case "via", "v" -> vias.add(line);
                case "from", "f" -> from = from == null ? line : from;
                case "to", "t" -> to = to == null ? line : to;
                case "call-id", "i" -> callId = callId == null ? line : callId;
                case "cseq" -> cseq = cseq == null ? line : cseq;
                default -> {
                }
            }
        }
        if (vias.isEmpty() || from == null || to == null || callId == null || cseq == null) {
            return Optional.empty();
        }
        StringBuilder reply = new StringBuilder("SIP/2.0 400 Bad Request (").append(phrase(problem)).append(")\r\n");
        vias.forEach(via -> reply.append(via).append("\r\n"));
        reply.append(from).append("\r\n");
        reply.append(to).append(hasTag(to) ? "" : ";tag=badrequest").append("\r\n");
        reply.append(callId).append("\r\n");
        reply.append(cseq).append("\r\n");
        reply.append("Content-Length: 0\r\n\r\n");
        return Optional.of(reply.toString());
    }

    private static boolean hasTag(String toLine) {
        return toLine.toLowerCase(Locale.ROOT).matches(".*;\\s*tag\\s*=.*");
    }

    /** A reason phrase may not break the status line: printable ASCII only, and short. */
    private static String phrase(String problem) {
        String printable = problem.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() <= 60 ? printable : printable.substring(0, 60);
    }
}
