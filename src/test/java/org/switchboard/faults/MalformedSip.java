package org.switchboard.faults;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * The catalogue of malformed SIP the flood sends: each kind with what the real container and Switchboard answer
 * over UDP and over TCP. The expectations were first found by sending each kind alone to a running server, and are
 * kept exact, so that a change in either direction is noticed.
 *
 * <p>An outcome is a status code ("400"), {@link #CLOSED} (the server closed the TCP connection without a reply) or
 * {@link #NONE} (nothing came back within the wait). Where the ideal reply differs from what the container does,
 * {@link Kind#ideal} says which and why; the application never sees those messages (the SIP stack drops them, or
 * gives the servlet no way to tell), so nothing in Switchboard can answer them.
 */
final class MalformedSip {

    static final String NONE = "none";
    static final String CLOSED = "closed";

    enum Transport { UDP, TCP }

    /** What a message is built from: its transport, the sender's address for Via and Contact, a unique Call-ID. */
    record Context(Transport transport, int localPort, int echoPort, String callId, Random random) {
    }

    /**
     * One kind of malformed (or hostile) input.
     *
     * @param name          the category, as printed
     * @param expected      the outcomes accepted, per transport (empty: not sent on that transport)
     * @param ideal         the reply RFC 3261 would have the container send where it does otherwise, else empty
     * @param build         the bytes on the wire
     */
    record Kind(String name, Set<String> udp, Set<String> tcp, String ideal, Function<Context, byte[]> build) {
        Set<String> expected(Transport transport) {
            return transport == Transport.UDP ? udp : tcp;
        }

        boolean answerable(Transport transport) {
            return !expected(transport).contains(NONE);
        }
    }

    static final String ECHO = "sip:echo@example.com";
    static final String WATCHER = "sip:watcher@example.com";

    /** Entity expansion (a billion laughs, cut to five levels: enough to be refused, not enough to hurt the sender). */
    static final String BILLION_LAUGHS = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\
            <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">\
            <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@example.com"><tuple id="t1">\
            <status><basic>open</basic></status><note>&lol5;</note><timestamp>2026-11-21T09:00:00Z</timestamp></tuple></presence>
            """;

    /** An external entity naming a local file: a parser that resolves it would read the file into the presence note. */
    static final String XXE = """
            <?xml version="1.0"?>
            <!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@example.com"><tuple id="t1">\
            <status><basic>open</basic></status><note>&xxe;</note><timestamp>2026-11-21T09:00:00Z</timestamp></tuple></presence>
            """;

    private MalformedSip() {
    }

    static List<Kind> kinds() {
        List<Kind> kinds = new ArrayList<>();
        Set<String> ok = Set.of("200");
        Set<String> badRequest = Set.of("400");
        Set<String> none = Set.of(NONE);
        Set<String> closed = Set.of(CLOSED);
        Set<String> notSent = Set.of();

        // ----- bad headers -----
        kinds.add(new Kind("garbage header line", ok, ok, "", c -> request(c, "OPTIONS", ECHO).header("this is not a header").bytes()));
        kinds.add(new Kind("no Via", none, none, "", c -> request(c, "OPTIONS", ECHO).noVia().bytes()));
        kinds.add(new Kind("invalid Via", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).noVia().header("Via: garbage!!").bytes()));
        kinds.add(new Kind("CSeq not a number", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).replace("CSeq: 1 OPTIONS", "CSeq: abc OPTIONS").bytes()));
        kinds.add(new Kind("CSeq method not the request's", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE").bytes()));
        kinds.add(new Kind("Content-Length longer than body", badRequest, none, "",
                c -> request(c, "MESSAGE", ECHO).body("text/plain", "hello").contentLength(500).bytes()));
        kinds.add(new Kind("Content-Length negative", badRequest, badRequest, "",
                c -> request(c, "MESSAGE", ECHO).body("text/plain", "hello").contentLength(-5).bytes()));
        // RFC 3261 §18.3: over UDP the bytes past Content-Length are discarded. Over a stream they would be the next message.
        kinds.add(new Kind("Content-Length shorter than body", ok, notSent, "",
                c -> request(c, "MESSAGE", ECHO).body("text/plain", "hello world").contentLength(3).bytes()));
        kinds.add(new Kind("request line not SIP", none, closed, "", c -> ascii("HELLO WORLD\r\n\r\n")));
        kinds.add(new Kind("Request-URI unparseable", badRequest, badRequest, "", c -> request(c, "OPTIONS", "sip:@@::").bytes()));
        kinds.add(new Kind("From not a SIP URI", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).replace("From: <sip:flood@127.0.0.1>", "From: <http://example.com/x>").bytes()));
        kinds.add(new Kind("To not a SIP URI", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).replace("To: <sip:echo@example.com>", "To: <mailto:x@example.com>").bytes()));
        kinds.add(new Kind("no Call-ID", none, closed, "", c -> request(c, "OPTIONS", ECHO).replace("Call-ID:", "X-No-Call-ID:").bytes()));
        kinds.add(new Kind("no From", none, none, "", c -> request(c, "OPTIONS", ECHO).replace("From:", "X-No-From:").bytes()));
        kinds.add(new Kind("SIP version 3.7", ok, ok,
                "505 (RFC 4475 §3.1.2.16); the stack accepts any version and Restcomm's getProtocol() is the constant SIP/2.0,"
                        + " so the application cannot tell",
                c -> request(c, "OPTIONS", ECHO).replace(" SIP/2.0\r\n", " SIP/3.7\r\n").bytes()));
        // RFC 3261 §20.22: Max-Forwards is an integer 0-255; the stack once let this through, Switchboard answers 400.
        kinds.add(new Kind("Max-Forwards out of range", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).replace("Max-Forwards: 70", "Max-Forwards: 99999999999999").bytes()));
        kinds.add(new Kind("1000 headers", ok, ok, "", c -> {
            Request r = request(c, "OPTIONS", ECHO);
            for (int i = 0; i < 1000; i++) {
                r.header("X-Header-" + i + ": value " + i);
            }
            return r.bytes();
        }));
        // ----- oversized -----
        kinds.add(new Kind("header of 20 KB", ok, ok, "", c -> request(c, "OPTIONS", ECHO).header("X-Big: " + "a".repeat(20_000)).bytes()));
        kinds.add(new Kind("header of 100 KB", notSent, none,
                "513 Message Too Large or a closed connection; the stack neither answers nor closes (a header line over"
                        + " ~32 KB on TCP: nothing more on that connection is answered)",
                c -> request(c, "OPTIONS", ECHO).header("X-Big: " + "a".repeat(100_000)).bytes()));
        // Answered 513, then the connection is closed (the runner's TCP transport; the stack alone closed it unanswered).
        // A client still sending the body when the server closes gets a reset, which may discard the 513 it had not read.
        kinds.add(new Kind("body of 1 MB", notSent, Set.of("513", CLOSED),
                "513 every time (a lingering close: read and discard the rest before closing, as HTTP servers do)",
                c -> request(c, "MESSAGE", ECHO).body("text/plain", "x".repeat(1_000_000)).bytes()));
        kinds.add(new Kind("datagram of 64 KB", ok, notSent, "",
                c -> request(c, "MESSAGE", ECHO).body("text/plain", "x".repeat(64_000)).bytes()));
        // ----- bad encodings -----
        kinds.add(new Kind("invalid UTF-8 in Subject", ok, ok, "",
                c -> request(c, "OPTIONS", ECHO).rawHeader(bytes("Subject: ", new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28})).bytes()));
        kinds.add(new Kind("invalid UTF-8 in From", badRequest, badRequest, "",
                c -> request(c, "OPTIONS", ECHO).noFrom().rawHeader(bytes("From: \"", new byte[] {(byte) 0xff, (byte) 0xfe},
                        ascii("\" <sip:fl"), new byte[] {(byte) 0xc3, 0x28}, ascii("od@127.0.0.1>;tag=f1"))).bytes()));
        kinds.add(new Kind("NUL in a header", ok, ok, "", c -> request(c, "OPTIONS", ECHO).rawHeader(bytes("Subject: a", new byte[] {0}, ascii("b"))).bytes()));
        kinds.add(new Kind("NUL and invalid UTF-8 in a text body", ok, ok, "",
                c -> request(c, "MESSAGE", ECHO).body("text/plain; charset=utf-8", new byte[] {'a', 0, (byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28}).bytes()));
        // ----- hostile XML -----
        kinds.add(new Kind("billion laughs in MESSAGE", ok, ok, "",
                c -> request(c, "MESSAGE", ECHO).body("application/pidf+xml", BILLION_LAUGHS).bytes()));
        kinds.add(new Kind("XXE in NOTIFY outside a subscription", Set.of("481"), Set.of("481"), "",
                c -> request(c, "NOTIFY", WATCHER).header("Event: presence").header("Subscription-State: active;expires=60")
                        .body("application/pidf+xml", XXE).bytes()));
        kinds.add(new Kind("billion laughs in PUBLISH", Set.of("405"), Set.of("405"), "",
                c -> request(c, "PUBLISH", WATCHER).header("Event: presence").header("Expires: 60")
                        .body("application/pidf+xml", BILLION_LAUGHS).bytes()));
        // ----- truncated and random -----
        kinds.add(new Kind("truncated", none, none, "", c -> {
            byte[] whole = request(c, "OPTIONS", ECHO).bytes();
            return java.util.Arrays.copyOf(whole, 60);
        }));
        kinds.add(new Kind("random binary", none, Set.of(NONE, CLOSED), "", c -> {
            byte[] junk = new byte[200 + c.random().nextInt(1200)];
            c.random().nextBytes(junk);
            junk[0] = 0x01; // never by chance a request line
            return junk;
        }));
        return kinds;
    }

    /** A well-formed request to start from; each kind then breaks one thing. */
    static Request request(Context c, String method, String uri) {
        return new Request(c, method, uri);
    }

    static final class Request {
        private final String requestLine;
        private final List<byte[]> headers = new ArrayList<>();
        private boolean via = true;
        private boolean from = true;
        private byte[] body = new byte[0];
        private String contentType;
        private Integer contentLength;
        private final Context c;
        private final List<String[]> replacements = new ArrayList<>();
        private final String method;

        private Request(Context c, String method, String uri) {
            this.c = c;
            this.requestLine = method + " " + uri + " SIP/2.0";
            this.method = method;
        }

        Request header(String line) {
            headers.add(ascii(line));
            return this;
        }

        Request rawHeader(byte[] line) {
            headers.add(line);
            return this;
        }

        Request noVia() {
            via = false;
            return this;
        }

        Request noFrom() {
            from = false;
            return this;
        }

        Request body(String type, String text) {
            return body(type, text.getBytes(StandardCharsets.UTF_8));
        }

        Request body(String type, byte[] content) {
            this.contentType = type;
            this.body = content;
            return this;
        }

        Request contentLength(int length) {
            this.contentLength = length;
            return this;
        }

        /** Replaces text in the head (request line and headers). */
        Request replace(String from, String to) {
            replacements.add(new String[] {from, to});
            return this;
        }

        byte[] bytes() {
            String transport = c.transport().name();
            StringBuilder head = new StringBuilder(requestLine).append("\r\n");
            if (via) {
                head.append("Via: SIP/2.0/").append(transport).append(" 127.0.0.1:").append(c.localPort())
                        .append(";branch=z9hG4bK").append(c.callId().replaceAll("[^A-Za-z0-9]", "")).append("\r\n");
            }
            if (from) {
                head.append("From: <sip:flood@127.0.0.1>;tag=f").append(Math.abs(c.callId().hashCode())).append("\r\n");
            }
            head.append("To: <").append(requestLine.split(" ")[1].startsWith(WATCHER) ? WATCHER : ECHO).append(">\r\n");
            head.append("Call-ID: ").append(c.callId()).append("\r\n");
            head.append("CSeq: 1 ").append(method).append("\r\n");
            head.append("Max-Forwards: 70\r\n");
            // The echo endpoint sends MESSAGE bodies back to the Contact: the flood's UDP socket, which answers them.
            head.append("Contact: <sip:flood@127.0.0.1:").append(c.echoPort()).append(";transport=udp>\r\n");
            String text = head.toString();
            for (String[] r : replacements) {
                text = text.replace(r[0], r[1]);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + body.length + 256);
            out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            for (byte[] header : headers) {
                out.writeBytes(header);
                out.writeBytes(ascii("\r\n"));
            }
            if (contentType != null) {
                out.writeBytes(ascii("Content-Type: " + contentType + "\r\n"));
            }
            out.writeBytes(ascii("Content-Length: " + (contentLength != null ? contentLength : body.length) + "\r\n\r\n"));
            out.writeBytes(body);
            return out.toByteArray();
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes(part instanceof String s ? ascii(s) : (byte[]) part);
        }
        return out.toByteArray();
    }
}
